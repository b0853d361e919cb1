"""Issue 14 #5, measured against the real ``weightscan serve`` (gunicorn gthread): twenty
connections that declare a 100 kB upload, send a few bytes and stall used to hold every
worker thread, so ``/healthz`` stopped answering. Now a stalled body loses its request
(408) after ``WEIGHTSCAN_BODY_READ_TIMEOUT_SECONDS`` and the service answers again."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def test_stalled_bodies_do_not_take_the_service_down(tmp_path: Path) -> None:
    # with "0" (no timeout: the old behaviour) /healthz stops answering
    timeout = "2"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIGHTSCAN_")}
    env.update(
        WEIGHTSCAN_HOME=str(tmp_path / "home"),
        PYTHONPATH=str(ROOT),
        WEIGHTSCAN_BODY_READ_TIMEOUT_SECONDS=timeout,
    )
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "weightscan",
            "serve",
            "--no-worker",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stalled: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 60
        while healthz(port, 1) is None:
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-2000:]
            time.sleep(0.3)
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(
                b"PUT /api/v1/uploads/slow.pkl HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/octet-stream\r\n"
                b"Content-Length: 100000\r\n\r\n\x80\x04\x95"
            )
            stalled.append(s)
        time.sleep(0.5)
        answered = healthz(port, 10)
        assert answered is not None, "the service stopped answering"
        assert answered < 8
        # the stalled requests got their answer (the upload ended early), not a held thread
        stalled[0].settimeout(5)
        answer = stalled[0].recv(2000)
        assert answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 408")), answer[:300]
    finally:
        for s in stalled:
            with contextlib.suppress(OSError):
                s.close()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(5)
        log.close()
