"""Found by a penetration test over real HTTP, on PostgreSQL (whose text columns cannot
hold NUL): a ``%00`` in a URL, a cursor or a token name reached a query and answered 500
(SQLite stores it: there the same requests are 200 or 404);
and the page forms (``/login``, ``/upload``) were outside the rate limit, so a client
could submit or guess without ever meeting a 429."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from tests.security.conftest import new_token
from tests.security.live import LiveServer, multipart, serve


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_nul_in_urls_and_bodies_is_a_400_not_a_500(
    make_app: Any, database: str, request: pytest.FixtureRequest
) -> None:
    changes = (
        {}
        if database == "sqlite"
        else {"database_url": request.getfixturevalue("migrated_postgres")}
    )
    app = make_app(**changes)
    _id, token = new_token(app, "nul-reader")
    _admin_id, admin = new_token(app, "nul-admin", ("admin",))
    cursor = base64.urlsafe_b64encode(
        json.dumps(["2026-01-01T00:00:00", "scn_\x00"]).encode()
    ).decode()
    with serve(app) as live:
        replies = {
            "list q": live.get("/api/v1/scans?q=%00", headers=_bearer(token)),
            "page q": live.get("/scans?q=%00", headers=_bearer(token)),
            "scan id": live.get("/api/v1/scans/%00", headers=_bearer(token)),
            "sarif": live.get("/api/v1/scans/a%00b/report.sarif", headers=_bearer(token)),
            "page scan": live.get("/scans/%00", headers=_bearer(token)),
            "cursor": live.get(f"/api/v1/scans?cursor={cursor}", headers=_bearer(token)),
            "token name": live.post_json(
                "/api/v1/tokens", {"name": "a\x00b"}, headers=_bearer(admin)
            ),
            "token id": live.request("DELETE", "/api/v1/tokens/%00", headers=_bearer(admin)),
        }
    statuses = {name: reply.status for name, reply in replies.items()}
    assert all(s < 500 for s in statuses.values()), statuses  # SQLite stores NUL: 200/404
    assert statuses["cursor"] == statuses["token name"] == 400, statuses


def _cookie_and_csrf(live: LiveServer, path: str, headers: dict[str, str]) -> dict[str, str]:
    page = live.get(path, headers=headers)
    cookie = (page.header("Set-Cookie") or "").split(";", 1)[0]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.body.decode())
    assert cookie, page.status
    assert csrf, page.status
    return {"Cookie": cookie, "X-CSRF-Token": csrf.group(1), **headers}


def test_login_guesses_meet_the_rate_limit(make_app: Any) -> None:
    app = make_app(rate_limit="4/minute")
    with serve(app) as live:
        sent = _cookie_and_csrf(live, "/login", {})
        codes = [
            live.request(
                "POST",
                "/login",
                body=b"token=ws_guess",
                headers={**sent, "Content-Type": "application/x-www-form-urlencoded"},
            ).status
            for _ in range(8)
        ]
    assert 429 in codes, codes


def test_page_uploads_share_the_api_budget(make_app: Any) -> None:
    app = make_app(rate_limit="3/minute")
    _id, token = new_token(app, "page-uploader")
    with serve(app) as live:
        for _ in range(3):
            assert live.get("/api/v1/scans", headers=_bearer(token)).status == 200
        assert live.get("/api/v1/scans", headers=_bearer(token)).status == 429
        sent = _cookie_and_csrf(live, "/login", {})
        body, ctype = multipart({}, {"file": ("model.pkl", b"\x80\x04K\x01.")})
        reply = live.request(
            "POST", "/upload", body=body, headers={**sent, **_bearer(token), "Content-Type": ctype}
        )
    assert reply.status == 429, reply.status


def test_callback_hosts_that_are_not_valid_names_are_a_400(make_app: Any) -> None:
    """IDNA refuses these names (an empty label, a label over 63 characters, U+FFFD): the
    resolver raised UnicodeError, which the submit-time callback check let through."""
    app = make_app()
    _id, token = new_token(app, "callbacks")
    hosts = ["a..b", "a" * 70 + ".example", "\ufffd.example"]
    with serve(app) as live:
        replies = []
        for host in hosts:
            body, ctype = multipart(
                {"callback_url": f"https://{host}/hook"}, {"file": ("model.pkl", b"\x80\x04K\x01.")}
            )
            replies.append(
                live.request(
                    "POST",
                    "/api/v1/scans",
                    body=body,
                    headers={**_bearer(token), "Content-Type": ctype},
                )
            )
    assert [r.status for r in replies] == [400] * len(hosts)
    assert {r.json()["code"] for r in replies} == {"UrlNotAllowedError"}
