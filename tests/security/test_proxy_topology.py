"""docker-compose / issue 14 #5-#6: behind the one trusted proxy the client address comes
from ``X-Forwarded-For``; without a trusted proxy a client cannot pick its own address to
escape the rate limit (over real HTTP)."""

from __future__ import annotations

from typing import Any

from tests.security.live import serve


def statuses(live: Any, forwarded_for: list[str]) -> list[int]:
    return [
        live.get("/api/v1/scans", headers={"X-Forwarded-For": ip}).status for ip in forwarded_for
    ]


def test_spoofed_forwarded_for_does_not_escape_the_limit(make_app: Any) -> None:
    app = make_app(rate_limit="3/minute")
    with serve(app) as live:
        codes = statuses(live, [f"198.51.100.{i}" for i in range(5)])
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429]


def test_behind_the_trusted_proxy_each_client_has_its_budget(make_app: Any) -> None:
    app = make_app(rate_limit="2/minute", trusted_proxies=1)
    with serve(app) as live:
        assert statuses(live, ["198.51.100.1"] * 3) == [401, 401, 429]
        assert statuses(live, ["198.51.100.2"]) == [401]
        # a client-sent value ahead of the proxy's own is ignored (the proxy appends)
        assert statuses(live, ["10.9.9.9, 198.51.100.1"]) == [429]
