"""Issue 12: ``Retry-After`` only where it means something, with our value (the rate
limiter used to stamp its own window on every response), over real HTTP."""

from __future__ import annotations

import time
from typing import Any

from tests.security.conftest import new_token
from tests.security.live import serve
from tests.security.samples import clean_pickle


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_retry_after_means_what_we_say(make_app: Any) -> None:
    app = make_app(rate_limit="100/minute")
    _, token = new_token(app, "ci")
    with serve(app) as live:
        queued = live.put_file("m.pkl", clean_pickle("q"), headers=auth(token))
        assert queued.status == 202
        assert queued.header("retry-after") == "1"
        assert queued.header("x-ratelimit-limit") == "100"  # the limit is still reported
        done = live.get("/api/v1/version", headers=auth(token))
        assert done.status == 200
        assert done.header("retry-after") is None
        assert live.get("/api/v1/scans", headers=auth(token)).header("retry-after") is None


def test_rate_limited_answer_says_when(make_app: Any) -> None:
    app = make_app(rate_limit="2/minute")
    with serve(app) as live:
        replies = [live.get("/api/v1/version") for _ in range(3)]
    assert [r.status for r in replies] == [200, 200, 429]
    assert replies[0].header("retry-after") is None
    assert 0 < int(replies[2].header("retry-after") or 0) <= 60


def test_broker_down_says_thirty_seconds(make_app: Any) -> None:
    app = make_app(rate_limit="100/minute", broker_url="redis://127.0.0.1:1/0")
    _, token = new_token(app, "ci")
    with serve(app) as live:
        started = time.monotonic()
        reply = live.put_file("m.pkl", clean_pickle("b"), headers=auth(token))
        assert time.monotonic() - started < 30
    assert reply.status == 503
    assert reply.header("retry-after") == "30"
