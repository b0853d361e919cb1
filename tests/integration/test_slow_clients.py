"""Issue 14 #5, measured against the real ``weightscan serve`` (gunicorn gthread): twenty
connections that declare a 100 kB upload, send a few bytes and stall used to hold every
worker thread, so ``/healthz`` stopped answering. Now a stalled body loses its request
(408) after ``WEIGHTSCAN_BODY_READ_TIMEOUT_SECONDS`` and the service answers again."""

from __future__ import annotations

import contextlib
import socket
import time
from pathlib import Path

import pytest

from tests.integration.procs import healthz, web_server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def test_stalled_bodies_do_not_take_the_service_down(tmp_path: Path) -> None:
    # with "0" (no timeout: the old behaviour) /healthz stops answering
    timeout = "2"
    stalled: list[socket.socket] = []
    with web_server(tmp_path, WEIGHTSCAN_BODY_READ_TIMEOUT_SECONDS=timeout) as port:
        try:
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
            # the stalled requests got their answer (the upload ended early), not a held
            # thread
            stalled[0].settimeout(5)
            answer = stalled[0].recv(2000)
            assert answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 408")), answer[:300]
        finally:
            for s in stalled:
                with contextlib.suppress(OSError):
                    s.close()
