"""Throw-away Redis and PostgreSQL servers of our own (free port, temp directory), so a
test can kill and restart them without touching the machine's shared services."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
from pathlib import Path

from tests.integration.procs import free_port, wait_until


def port_answers(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class OwnRedis:
    """``redis-server`` without persistence: a kill -9 loses every queued message, the
    hardest case for "nothing lost"."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.binary = shutil.which("redis-server") or ""
        self.workdir = workdir
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> OwnRedis:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / "redis.log", "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--protected-mode",
                "yes",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_until(lambda: port_answers(self.port), 20, f"redis on {self.port}")
        return self

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        wait_until(lambda: not port_answers(self.port), 10, "redis to be gone")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.kill9()


def postgres_bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return str(Path(found[-1]).parent) if found else None


class OwnPostgres:
    """A PostgreSQL cluster in a temp directory on a free port, trust auth. As root,
    initdb refuses to run, so the cluster is created and run as the ``postgres`` user."""

    def __init__(self, workdir: Path) -> None:
        self.bindir = postgres_bindir() or ""
        self.workdir = workdir
        self.data = workdir / "data"
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/weightscan"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = list(argv)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=120)

    def init(self) -> OwnPostgres:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres", "postgres")
            self.workdir.chmod(0o700)
            # runuser needs to reach the directory: open the parents for traversal only.
            for parent in self.workdir.parents:
                if str(parent).startswith(("/tmp/", "/var/tmp/")) and parent.is_dir():
                    parent.chmod(parent.stat().st_mode | 0o111)
        self._run(
            f"{self.bindir}/initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.start()
        self._run(
            f"{self.bindir}/createdb",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "weightscan",
        )
        return self

    def start(self) -> None:
        self._run(
            f"{self.bindir}/pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.workdir / "pg.log"),
            "-w",
            "-t",
            "60",
            "start",
            "-o",
            f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(
            f"{self.bindir}/pg_ctl",
            "-D",
            str(self.data),
            "-w",
            "-t",
            "60",
            "stop",
            "-m",
            mode,
            check=False,
        )

    def restart(self, mode: str = "immediate") -> None:
        """``immediate`` is a crash (no checkpoint, every connection cut)."""
        self.stop(mode)
        self.start()
