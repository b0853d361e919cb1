"""Issue 12: ``/readyz`` answers within 2 s when the broker is down or hangs (the compose
health check allows 4-5 s), over real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.security.live import serve


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timed_readyz(make_app: Any, broker_url: str) -> tuple[float, Any]:
    app = make_app(broker_url=broker_url)
    with serve(app) as live:
        live.get("/healthz")
        started = time.monotonic()
        reply = live.get("/readyz", timeout=30)
        return time.monotonic() - started, reply


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_readyz_is_bounded_with_the_broker_down(make_app: Any, silent_port: int, kind: str) -> None:
    port = closed_port() if kind == "refused" else silent_port
    elapsed, reply = timed_readyz(make_app, f"redis://127.0.0.1:{port}/0")
    assert elapsed < 2.0, elapsed
    assert reply.status == 503
    doc = reply.json()
    assert doc["checks"]["broker:connection"][0]["status"] == "fail"
    assert doc["checks"]["database:responseTime"][0]["status"] == "pass"
