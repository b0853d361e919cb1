"""Tokens: scopes, stored hashed, revocable, expiring; each token sees only its own scans
(404 for others', never 403, so ids are not confirmed); the page cookie never authorises
API writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text, update

from tests.security.conftest import bearer, db_session, login, new_token, put, run_queued
from tests.security.samples import clean_pickle, malicious_pickle
from weightscan.core.models import ApiToken


def test_no_token_is_401_with_www_authenticate(client):
    for response in (client.get("/api/v1/scans"), put(client, clean_pickle())):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.mimetype == "application/problem+json"


def test_unknown_or_malformed_token_is_401(client):
    for value in ("ws_not-a-real-token", "garbage", "ws_" + "a" * 500, ""):
        response = client.get("/api/v1/scans", headers=bearer(value))
        assert response.status_code == 401, value


def test_the_database_never_holds_the_secret(app, migrated_db):
    _id, plaintext = new_token(app, "ci", ("submit", "read", "admin"))
    assert put(app.test_client(), clean_pickle("x"), token=plaintext).status_code == 202
    with db_session(app) as db:
        rows = [tuple(map(str, r)) for r in db.execute(text("SELECT * FROM api_tokens"))]
        stored = db.scalar(select(ApiToken.token_hash))
    assert rows
    assert plaintext not in repr(rows)
    assert plaintext[3:] not in repr(rows)  # not even without the prefix
    import hashlib

    assert stored == hashlib.sha256(plaintext.encode()).hexdigest()
    raw = Path(migrated_db.removeprefix("sqlite:///")).read_bytes()
    assert plaintext.encode() not in raw
    assert plaintext[3:].encode() not in raw


def test_scopes_are_enforced(app):
    client = app.test_client()
    _r, reader = new_token(app, "reader", ("read",))
    _s, submitter = new_token(app, "submitter", ("submit",))
    refused = put(client, clean_pickle(), token=reader)
    assert refused.status_code == 403
    assert refused.json["code"] == "ForbiddenError"
    accepted = put(client, clean_pickle(), token=submitter)
    assert accepted.status_code == 202
    assert (
        client.get(f"/api/v1/scans/{accepted.json['id']}", headers=bearer(submitter)).status_code
        == 403
    )
    assert client.get("/api/v1/tokens", headers=bearer(submitter)).status_code in (403, 404, 405)


def test_revoked_token_is_401(app):
    from weightscan.core.tokens import revoke_token

    client = app.test_client()
    token_id, plaintext = new_token(app, "soon-revoked")
    assert client.get("/api/v1/scans", headers=bearer(plaintext)).status_code == 200
    with db_session(app) as db:
        assert revoke_token(db, token_id)
        db.commit()
    assert client.get("/api/v1/scans", headers=bearer(plaintext)).status_code == 401
    assert put(client, clean_pickle(), token=plaintext).status_code == 401


def test_expired_token_is_401(app):
    client = app.test_client()
    token_id, plaintext = new_token(app, "expiring", expires_in_days=1)
    assert client.get("/api/v1/scans", headers=bearer(plaintext)).status_code == 200
    with db_session(app) as db:
        db.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db.commit()
    assert client.get("/api/v1/scans", headers=bearer(plaintext)).status_code == 401


def test_a_token_cannot_see_or_delete_another_tokens_scan(app):
    client = app.test_client()
    _a, alice = new_token(app, "alice")
    _b, bob = new_token(app, "bob")
    _c, admin = new_token(app, "admin", ("admin",))
    scan_id = put(client, malicious_pickle(), "bob.pkl", token=bob).json["id"]
    run_queued(app)
    digest = client.get(f"/api/v1/scans/{scan_id}", headers=bearer(bob)).json
    sha = digest["files"][0]["sha256"]
    for path in (
        f"/api/v1/scans/{scan_id}",
        f"/api/v1/scans/{scan_id}/report",
        f"/api/v1/scans/{scan_id}/report.sarif",
        f"/api/v1/scans/{scan_id}/deliveries",
        f"/api/v1/files/{sha}",
    ):
        assert client.get(path, headers=bearer(alice)).status_code == 404, path
        assert client.get(path, headers=bearer(bob)).status_code == 200, path
        assert client.get(path, headers=bearer(admin)).status_code == 200, path
    # Same answer as for an id that does not exist: nothing is confirmed.
    missing = client.get("/api/v1/scans/scn_doesnotexist", headers=bearer(alice))
    hidden = client.get(f"/api/v1/scans/{scan_id}", headers=bearer(alice))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json["code"] == missing.json["code"]
    listing = client.get("/api/v1/scans", headers=bearer(alice)).json
    assert scan_id not in str(listing)
    assert client.get(f"/api/v1/scans?sha256={sha}", headers=bearer(alice)).json["data"] == []
    assert client.delete(f"/api/v1/scans/{scan_id}", headers=bearer(alice)).status_code == 404
    assert client.post(f"/api/v1/scans/{scan_id}/rescan", headers=bearer(alice)).status_code == 404
    assert client.get(f"/api/v1/scans/{scan_id}", headers=bearer(bob)).status_code == 200
    # The HTML page follows the same rule.
    login(client, alice)
    assert client.get(f"/scans/{scan_id}").status_code == 404
    assert scan_id not in client.get("/scans").get_data(as_text=True)
    assert client.delete(f"/api/v1/scans/{scan_id}", headers=bearer(bob)).status_code == 204


def test_page_cookie_never_authorises_api_writes(app):
    client = app.test_client()
    _id, plaintext = new_token(app, "browser", ("submit", "read"))
    assert login(client, plaintext).status_code == 303
    assert client.get("/api/v1/scans").status_code == 200  # reads ride on the cookie
    assert put(client, clean_pickle("cookie")).status_code == 401  # writes do not
    assert client.post("/api/v1/scans", data={}).status_code == 401


def test_revoked_token_loses_its_page_session(app):
    from weightscan.core.tokens import revoke_token

    client = app.test_client()
    token_id, plaintext = new_token(app, "browser")
    login(client, plaintext)
    assert client.get("/scans").status_code == 200
    with db_session(app) as db:
        revoke_token(db, token_id)
        db.commit()
    assert client.get("/scans").status_code in (302, 303, 401)
    assert client.get("/api/v1/scans").status_code == 401


def test_only_admin_creates_tokens_and_others_tokens_stay_hidden(app):
    client = app.test_client()
    user_id, user = new_token(app, "user", ("submit", "read"))
    other_id, _other = new_token(app, "other", ("read",))
    _admin_id, admin = new_token(app, "admin", ("admin",))
    body = {"name": "new", "scopes": ["read"]}
    assert client.post("/api/v1/tokens", json=body, headers=bearer(user)).status_code == 403
    created = client.post("/api/v1/tokens", json=body, headers=bearer(admin))
    assert created.status_code == 201
    assert created.json["token"].startswith("ws_")
    mine = client.get("/api/v1/tokens", headers=bearer(user)).json["data"]
    assert [t["id"] for t in mine] == [user_id]
    assert created.json["token"] not in str(
        client.get("/api/v1/tokens", headers=bearer(admin)).json
    )
    # Revoking someone else's token: 404 (not confirmed), and it keeps working.
    assert client.delete(f"/api/v1/tokens/{other_id}", headers=bearer(user)).status_code == 404
    assert (
        client.post(
            "/api/v1/tokens", json={"name": "x", "scopes": ["root"]}, headers=bearer(admin)
        ).status_code
        == 400
    )
