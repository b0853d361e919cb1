"""Issue 14 #8 and #9 over real HTTP: no open redirect after login (control characters
that browsers and Werkzeug drop are removed before the check), and logout ends the
session on the server, so a saved cookie no longer reads anything."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest

from tests.security.conftest import new_token
from tests.security.live import LiveServer, serve


def cookie_of(reply: Any) -> str:
    raw = reply.header("set-cookie") or ""
    return raw.split(";", 1)[0]


def login(live: LiveServer, token: str, next_path: str = "/") -> tuple[Any, str]:
    page = live.get("/login")
    cookie = cookie_of(page)
    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page.body)
    assert csrf
    form = f"token={quote(token)}&csrf_token={quote(csrf.group(1).decode())}".encode()
    reply = live.request(
        "POST",
        f"/login?next={next_path}",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    return reply, cookie_of(reply) or cookie


@pytest.mark.parametrize(
    "next_path",
    [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d/evil.example",
        "/%5c/evil.example",
        "%09//evil.example",
        "/%00/evil.example",
        "https:evil.example",
        "//evil.example",
        "/%09%09/evil.example/x",
        "%2f%2fevil.example",
        "/\\evil.example",
    ],
)
def test_login_never_redirects_off_site(app: Any, next_path: str) -> None:
    _, token = new_token(app, "person")
    with serve(app) as live:
        reply, _ = login(live, token, next_path)
        assert reply.status == 303, reply.body
        location = reply.header("location") or ""
        assert location.startswith("/")
        assert not location.startswith(("//", "/\\"))
        assert "evil.example" not in location.split("?")[0].split("/")[1:2]


def test_login_keeps_a_local_next(app: Any) -> None:
    _, token = new_token(app, "person")
    with serve(app) as live:
        reply, _ = login(live, token, "/scans%3Fverdict%3Dmalicious")
        assert reply.header("location") == "/scans?verdict=malicious"


def test_logout_ends_the_session_server_side(app: Any) -> None:
    _, token = new_token(app, "person")
    with serve(app) as live:
        _, cookie = login(live, token)
        assert live.get("/api/v1/scans", headers={"Cookie": cookie}).status == 200
        page = live.get("/", headers={"Cookie": cookie})
        cookie = cookie_of(page) or cookie
        csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page.body)
        assert csrf
        out = live.request(
            "POST",
            "/logout",
            body=f"csrf_token={quote(csrf.group(1).decode())}".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        assert out.status == 303
        # the cookie saved before logout is dead
        assert live.get("/api/v1/scans", headers={"Cookie": cookie}).status == 401
        assert live.get("/scans", headers={"Cookie": cookie}).status == 303
        # the token itself still works, and so does a fresh login
        assert live.get("/api/v1/scans", headers={"Authorization": f"Bearer {token}"}).status == 200
        _, again = login(live, token)
        assert live.get("/api/v1/scans", headers={"Cookie": again}).status == 200


def test_the_login_page_suggests_a_command_that_parses(app: Any) -> None:
    import html
    import shlex

    from weightscan.cli import build_parser

    with serve(app) as live:
        page = live.get("/login").body.decode()
    found = re.search(r"<code>(weightscan token create[^<]*)</code>", page)
    assert found, "the login page says how to create a token"
    argv = shlex.split(html.unescape(found.group(1)))[1:]
    args = build_parser().parse_args(argv)  # exits (SystemExit) if the command is wrong
    assert args.name == "NAME"
