"""Slowloris against the real ``weightscan serve``: twenty connections that send half a
header block and stall held every gthread worker thread (the app's body-read timeout runs
only once the headers are in), so ``/healthz`` stopped answering. Now a stalled header
read times out after ``WEIGHTSCAN_BODY_READ_TIMEOUT_SECONDS`` like a stalled body."""

from __future__ import annotations

import contextlib
import socket
import time
from pathlib import Path

import pytest

from tests.integration.procs import healthz, web_server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def test_stalled_headers_do_not_take_the_service_down(tmp_path: Path) -> None:
    stalled: list[socket.socket] = []
    with web_server(tmp_path, WEIGHTSCAN_BODY_READ_TIMEOUT_SECONDS="2") as port:
        try:
            for _ in range(20):
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Stall: ")
                stalled.append(s)
            time.sleep(0.5)
            answered = healthz(port, 10)
            assert answered is not None, "the service stopped answering"
            assert answered < 8
        finally:
            for s in stalled:
                with contextlib.suppress(OSError):
                    s.close()
