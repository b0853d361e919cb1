"""Real worker and server processes for the integration tests, and waiting helpers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def service_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment for a child process: only what it needs, WEIGHTSCAN_* from ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("WEIGHTSCAN_") and k not in ("CELERY_BROKER_URL",)
    }
    env.update({"WEIGHTSCAN_HOME": str(home), "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)})
    env.update(extra)
    return env


class Proc:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, argv: list[str], env: Mapping[str, str], log: Path) -> None:
        self.argv, self.log = argv, log
        self._out = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.p = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=dict(env),
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.p.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, needle: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.output():
                return
            if self.p.poll() is not None:
                raise AssertionError(f"process exited ({self.p.returncode}):\n{self.tail()}")
            time.sleep(0.1)
        raise AssertionError(f"no {needle!r} within {timeout}s:\n{self.tail()}")

    def tail(self, n: int = 60) -> str:
        return "\n".join(self.output().splitlines()[-n:])

    def kill9(self) -> None:
        """SIGKILL the whole process group (the worker and its pool children)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.p.pid, signal.SIGKILL)
        self.p.wait(10)
        self._out.close()

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM to the main process (as a service manager would), SIGKILL to the
        group if it does not exit in time."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.p.wait(timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.p.pid, signal.SIGKILL)  # leftovers of the group, if any
        if self.p.poll() is None:
            self.p.wait(10)
        self._out.close()


def start_worker(
    env: Mapping[str, str],
    log: Path,
    *,
    concurrency: int = 1,
    beat: bool = False,
    app: str | None = None,
) -> Proc:
    """``weightscan worker`` (or ``celery -A <app> worker`` when ``app`` is given), waited
    for until it is ready to consume."""
    if app is None:
        argv = [sys.executable, "-m", "weightscan", "worker", f"--concurrency={concurrency}"]
        if beat:
            argv.append("--beat")
    else:
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app,
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "--loglevel=INFO",
            "--without-mingle",
            "--without-gossip",
            "--queues=weightscan,downloads",
            f"--hostname=test-{os.getpid()}-{time.monotonic_ns()}@%h",
        ]
        if beat:
            home = env["WEIGHTSCAN_HOME"]
            argv += ["--beat", f"--schedule={home}/celerybeat-schedule"]
    proc = Proc(argv, env, log)
    proc.wait_for_output(" ready.", timeout=90)
    return proc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def healthz(port: int, timeout: float) -> float | None:
    """Seconds until /healthz answered, or None if it did not within ``timeout``."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = s.recv(100)
    except OSError:
        return None
    return time.monotonic() - started if data.startswith(b"HTTP/1.1 200") else None


@contextlib.contextmanager
def web_server(tmp_path: Path, **extra: str) -> Iterator[int]:
    """The real ``weightscan serve --no-worker`` (gunicorn) on a free loopback port, its log
    in ``tmp_path / "serve.log"``; yields the port once /healthz answers."""
    port = free_port()
    argv = [sys.executable, "-m", "weightscan", "serve", "--no-worker"]
    argv += ["--host", "127.0.0.1", "--port", str(port)]
    server = Proc(argv, service_env(tmp_path / "home", **extra), tmp_path / "serve.log")
    try:
        wait_until(lambda: healthz(port, 1) is not None, 60, "the web server")
        yield port
    finally:
        server.stop(20)
