"""Issue 14 #3, follow-up: anonymous use is an explicit opt-in, never implied by the bind
address (over real HTTP).

A reverse proxy on the same host that adds no forwarding header makes every client look
like a direct loopback request, so "bound to 127.0.0.1" cannot mean "anonymous". Only
``allow_anonymous=True`` turns it on (``weightscan serve`` sets it for its embedded
default: tests/core/test_service_cli.py), and even then only for a loopback peer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.conftest import new_token
from tests.security.live import LiveServer, non_loopback_address, serve
from tests.security.samples import clean_pickle


def test_a_loopback_bind_alone_makes_nobody_anonymous(make_app: Any) -> None:
    # what gunicorn behind a same-host proxy (no X-Forwarded-For) looks like to the app
    app = make_app(allow_anonymous=None, extra={"bind_host": "127.0.0.1"})
    with serve(app) as live:
        reply = live.get("/api/v1/scans")
        assert reply.status == 401
        assert b'"data"' not in reply.body
        assert live.put_file("m.pkl", clean_pickle()).status == 401
        _, token = new_token(app, "ci")
        assert live.get("/api/v1/scans", headers={"Authorization": f"Bearer {token}"}).status == 200


def test_opted_in_anonymous_use_still_needs_a_loopback_peer(make_app: Any) -> None:
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to connect from")
    app = make_app(allow_anonymous=True, anonymous_hosts=(address,))
    with serve(app, host="0.0.0.0") as everywhere:
        # loopback peer: anonymous
        assert LiveServer(everywhere.port).get("/api/v1/scans").status == 200
        # same server, a non-loopback peer (even with a Host the operator listed): not
        remote = LiveServer(everywhere.port, address)
        reply = remote.get("/api/v1/scans")
        assert reply.status == 401, reply.body
        assert "local" in reply.json()["detail"]
        assert remote.put_file("m.pkl", clean_pickle()).status == 401
