"""Issue 14 #6, #10, #12 over real HTTP: the rate limit is keyed on the verified
principal (made-up tokens share their address's budget), malformed input is a 400 and
never a 500, and the service home is private (0700)."""

from __future__ import annotations

import base64
import json
import secrets
import stat
from pathlib import Path
from typing import Any

from tests.security.conftest import new_token
from tests.security.live import serve

SECRET_GUESS = {"event": {"scope": "repo"}}


def test_made_up_tokens_share_the_address_budget(make_app: Any) -> None:
    app = make_app(rate_limit="5/minute")
    with serve(app) as live:
        codes = [
            live.get(
                "/api/v1/scans", headers={"Authorization": f"Bearer ws_{secrets.token_urlsafe(32)}"}
            ).status
            for _ in range(8)
        ]
    assert codes[:5] == [401] * 5
    assert set(codes[5:]) == {429}, codes


def test_guessing_webhook_secrets_is_rate_limited(make_app: Any) -> None:
    app = make_app(rate_limit="5/minute", hf_webhook_secrets=("the-real-secret",))
    with serve(app) as live:
        codes = [
            live.post_json(
                "/api/v1/webhooks/huggingface",
                SECRET_GUESS,
                headers={"X-Webhook-Secret": f"guess-{i}", "Authorization": f"Bearer ws_guess{i}"},
            ).status
            for i in range(8)
        ]
    assert 429 in codes, codes


def test_a_verified_token_has_its_own_budget(make_app: Any) -> None:
    app = make_app(rate_limit="3/minute")
    _, one = new_token(app, "one")
    _, two = new_token(app, "two")
    with serve(app) as live:
        for token in (one, two):
            codes = [
                live.get("/api/v1/scans", headers={"Authorization": f"Bearer {token}"}).status
                for _ in range(4)
            ]
            assert codes == [200, 200, 200, 429]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_deep_json_is_400(make_app: Any) -> None:
    app = make_app()
    _, admin = new_token(app, "ops", ("admin",))
    with serve(app) as live:
        for path in ("/api/v1/scans", "/api/v1/tokens"):
            reply = live.request(
                "POST",
                path,
                body=('{"source": ' + nested(50000) + "}").encode(),
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {admin}"},
            )
            assert reply.status == 400, (path, reply.body[:200])


def test_deep_cursor_is_400(make_app: Any) -> None:
    app = make_app()
    _, token = new_token(app, "t")
    cursor = base64.urlsafe_b64encode(nested(1500).encode()).decode().rstrip("=")
    with serve(app) as live:
        reply = live.get(
            f"/api/v1/scans?cursor={cursor}", headers={"Authorization": f"Bearer {token}"}
        )
        assert reply.status == 400
        odd = base64.urlsafe_b64encode(json.dumps({"a": 1}).encode()).decode()
        assert (
            live.get(
                f"/api/v1/scans?cursor={odd}", headers={"Authorization": f"Bearer {token}"}
            ).status
            == 400
        )


def test_url_for_keywords_in_the_query_are_harmless(make_app: Any) -> None:
    from tests.security.conftest import put

    app = make_app()
    _, token = new_token(app, "t")
    client = app.test_client()
    for i in range(3):
        put(client, f"x{i}".encode(), name=f"f{i}.bin", token=token)
    with serve(app) as live:
        for query in (
            "endpoint=x",
            "_anchor=evil",
            "_external=1",
            "_scheme=javascript",
            "_method=POST",
            "values=1",
        ):
            reply = live.get(
                f"/api/v1/scans?limit=1&{query}", headers={"Authorization": f"Bearer {token}"}
            )
            assert reply.status == 200, (query, reply.body[:200])
            link = reply.header("link") or ""
            assert link.startswith("</api/v1/scans?"), link
            assert "#" not in link
            assert "javascript" not in link
        cookie_page = live.get(
            "/scans?endpoint=x&_anchor=y", headers={"Authorization": f"Bearer {token}"}
        )
        assert cookie_page.status in (200, 303)


def test_home_is_created_private(tmp_path: Path) -> None:
    from weightscan.core.settings import Settings

    home = tmp_path / "fresh-home"
    Settings(home=home).ensure_secret_key()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    loose = tmp_path / "loose-home"
    loose.mkdir(mode=0o755)
    loose.chmod(0o755)
    Settings(home=loose).ensure_secret_key()
    assert stat.S_IMODE(loose.stat().st_mode) == 0o700


def test_in_memory_rate_limits_mean_one_web_process() -> None:
    from weightscan.cli.service import default_web_workers
    from weightscan.core.settings import Settings

    assert default_web_workers(Settings()) == 1  # memory:// counters: not doubled
    assert default_web_workers(Settings(rate_limit_storage_url="redis://r:6379/1")) == 2
