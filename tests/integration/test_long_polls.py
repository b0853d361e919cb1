"""Issue 14 #5, long polls, against the real ``weightscan serve`` (gunicorn gthread).

Forty clients that each ask ``?wait=60`` for a scan that will not finish (no worker runs)
must not take every worker thread: ``/healthz`` keeps answering at once, and every long
poll is answered within the server's cap (``WEIGHTSCAN_MAX_WAIT_SECONDS``) or at once
when the wait slots are taken, unfinished, with ``Retry-After`` telling the client when
to poll again. (Before the cap each of them held its thread for the full 60 s.)"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.procs import Proc, free_port, healthz, service_env, wait_until
from tests.security.samples import clean_pickle

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
CAP = 3  # seconds: WEIGHTSCAN_MAX_WAIT_SECONDS for this server
CLIENTS = 40


def request(port: int, method: str, path: str, body: bytes | None, timeout: float) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body)
        reply = conn.getresponse()
        return reply.status, dict(reply.getheaders()), json.loads(reply.read())
    finally:
        conn.close()


def test_many_long_polls_do_not_take_the_service_down(tmp_path: Path) -> None:
    port = free_port()
    env = service_env(tmp_path / "home", WEIGHTSCAN_MAX_WAIT_SECONDS=str(CAP))
    argv = [sys.executable, "-m", "weightscan", "serve", "--no-worker", "--port", str(port)]
    server = Proc(argv, env, tmp_path / "serve.log")
    try:
        wait_until(lambda: healthz(port, 1) is not None, 60, "the web server")
        # the embedded default on loopback: anonymous, as the README's first command
        status, _, scan = request(port, "PUT", "/api/v1/uploads/m.pkl", clean_pickle(), 30)
        assert status == 202, scan
        answers: list[tuple[float, int, dict[str, str], dict[str, Any]]] = []
        errors: list[BaseException] = []

        def long_poll() -> None:
            started = time.monotonic()
            try:
                status, headers, body = request(
                    port, "GET", f"/api/v1/scans/{scan['id']}?wait=60", None, CAP + 15
                )
            except BaseException as exc:  # a timeout here is the failure being tested
                errors.append(exc)
                return
            answers.append((time.monotonic() - started, status, headers, body))

        pollers = [threading.Thread(target=long_poll) for _ in range(CLIENTS)]
        for t in pollers:
            t.start()
        time.sleep(0.5)
        probes = []
        for _ in range(4):  # while the long polls are held
            probes.append(healthz(port, 5))
            time.sleep(0.5)
        for t in pollers:
            t.join(CAP + 20)
        assert not errors, f"{len(errors)} long polls got no answer: {errors[0]!r}"
        assert all(p is not None and p < 1.5 for p in probes), probes
        assert len(answers) == CLIENTS
        for seconds, status, headers, body in answers:
            assert status == 200
            assert body["status"] == "queued", body
            assert seconds < CAP + 2.5, seconds  # never the 60 s asked for
            assert headers.get("Retry-After") == "1"
            assert headers.get("X-Weightscan-Wait") in ("busy", "capped"), headers
        waited = [a for a in answers if a[2].get("X-Weightscan-Wait") == "capped"]
        assert waited
        assert all(a[0] >= CAP - 0.5 for a in waited)  # the cap is a real wait
    finally:
        server.stop()
