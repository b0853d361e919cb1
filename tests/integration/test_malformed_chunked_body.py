"""Found by a penetration test against the real ``weightscan serve`` (gunicorn): a
chunked body with a malformed chunk size raised gunicorn's parse error out of the view,
a 500 with a logged traceback, on the upload, the multipart and the JSON endpoints. It is
the client's mistake: 400."""

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

from tests.integration.test_slow_clients import ROOT, free_port, healthz

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

REQUESTS = {
    "upload": b"PUT /api/v1/uploads/x.pkl HTTP/1.1\r\nContent-Type: application/octet-stream\r\n",
    "multipart": b"POST /api/v1/scans HTTP/1.1\r\n"
    b"Content-Type: multipart/form-data; boundary=x\r\n",
    "json": b"POST /api/v1/scans HTTP/1.1\r\nContent-Type: application/json\r\n",
}


def _status(port: int, head: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(
            head + b"Host: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"
        )
        return s.recv(200).split(b"\r\n", 1)[0]


def test_a_malformed_chunked_body_is_a_400(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIGHTSCAN_")}
    env.update(WEIGHTSCAN_HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT))
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
    try:
        deadline = time.monotonic() + 60
        while healthz(port, 1) is None:
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-2000:]
            time.sleep(0.3)
        statuses = {name: _status(port, head) for name, head in REQUESTS.items()}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
    assert all(s.startswith(b"HTTP/1.1 400") for s in statuses.values()), statuses
    with contextlib.suppress(FileNotFoundError):
        assert "Traceback" not in (tmp_path / "serve.log").read_text()
