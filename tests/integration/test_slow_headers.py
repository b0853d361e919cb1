"""Slowloris against the real ``weightscan serve``: twenty connections that send half a
header block and stall held every gthread worker thread (the app's body-read timeout runs
only once the headers are in), so ``/healthz`` stopped answering. Now a stalled header
read times out after ``WEIGHTSCAN_BODY_READ_TIMEOUT_SECONDS`` like a stalled body."""

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


def test_stalled_headers_do_not_take_the_service_down(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIGHTSCAN_")}
    env.update(
        WEIGHTSCAN_HOME=str(tmp_path / "home"),
        PYTHONPATH=str(ROOT),
        WEIGHTSCAN_BODY_READ_TIMEOUT_SECONDS="2",
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
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
