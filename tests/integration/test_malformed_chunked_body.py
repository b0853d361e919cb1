"""Found by a penetration test against the real ``weightscan serve`` (gunicorn): a
chunked body with a malformed chunk size raised gunicorn's parse error out of the view,
a 500 with a logged traceback, on the upload, the multipart and the JSON endpoints. It is
the client's mistake: 400."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

import pytest

from tests.integration.procs import web_server

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
    with web_server(tmp_path) as port:
        statuses = {name: _status(port, head) for name, head in REQUESTS.items()}
    assert all(s.startswith(b"HTTP/1.1 400") for s in statuses.values()), statuses
    with contextlib.suppress(FileNotFoundError):
        assert "Traceback" not in (tmp_path / "serve.log").read_text()
