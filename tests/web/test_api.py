"""The JSON API through Flask's test client, with the real database, blob store, pipeline
and (embedded SQLite) broker."""

from __future__ import annotations

import contextlib
import hashlib
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.web.conftest import clean_pickle, malicious_pickle, upload
from weightscan.core.models import Scan

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["code"] == code
    assert "Traceback" not in response.get_data(as_text=True)
    return body


# -- submit, poll, report --------------------------------------------------------------
def test_put_upload_then_verdict_report_and_sarif(client, run_queued):
    data = malicious_pickle()
    r = upload(client, data, "evil.pkl")
    assert r.status_code == 202
    scan = r.get_json()
    assert r.headers["Location"] == f"/api/v1/scans/{scan['id']}"
    assert scan["status"] == "queued"
    assert scan["verdict"] is None
    assert scan["cached"] is False
    assert scan["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert scan["files"][0]["path"] == "evil.pkl"

    assert_problem(client.get(f"/api/v1/scans/{scan['id']}/report"), 409, "NotAvailableYet")
    assert run_queued() == 1

    done = client.get(f"/api/v1/scans/{scan['id']}").get_json()
    assert done["status"] == "done"
    assert done["verdict"] == "malicious"
    report = client.get(f"/api/v1/scans/{scan['id']}/report").get_json()
    findings = report["files"][0]["findings"]
    assert any(f["severity"] in ("critical", "high") for f in findings)
    sarif = client.get(f"/api/v1/scans/{scan['id']}/report.sarif")
    assert sarif.status_code == 200
    assert sarif.mimetype == "application/sarif+json"
    log = sarif.get_json(force=True)
    assert log["version"] == "2.1.0"
    assert log["runs"][0]["results"]


def test_same_bytes_are_answered_from_cache_unless_forced(client, run_queued):
    data = clean_pickle()
    first = upload(client, data).get_json()
    run_queued()
    again = upload(client, data, "other-name.pkl")
    assert again.status_code == 200
    body = again.get_json()
    assert body["cached"] is True
    assert body["verdict"] == "clean"
    assert body["id"] != first["id"]
    forced = client.put("/api/v1/uploads/x.pkl?force=true", data=data)
    assert forced.status_code == 202
    assert forced.get_json()["cached"] is False


def test_wait_long_polls_until_the_worker_finishes(client, background_runner):
    r = upload(client, clean_pickle())
    scan_id = r.get_json()["id"]
    background_runner(0.3)
    waited = client.get(f"/api/v1/scans/{scan_id}?wait=20")
    assert waited.status_code == 200
    assert waited.get_json()["status"] == "done"


def test_put_with_wait_returns_the_verdict(client, background_runner):
    background_runner(0.4)
    r = client.put("/api/v1/uploads/m.pkl?wait=20", data=malicious_pickle("echo hi"))
    assert r.status_code == 200
    assert r.get_json()["verdict"] == "malicious"


def test_wait_is_bounded(client):
    assert_problem(client.get("/api/v1/scans/scn_x?wait=61"), 400, "BadRequestError")


def test_digest_header_is_checked(client):
    data = clean_pickle()
    body = assert_problem(
        upload(client, data, headers={"X-Content-SHA256": "0" * 64}), 400, "DigestMismatchError"
    )
    assert "0" * 64 in body["detail"]
    assert_problem(
        upload(client, data, headers={"X-Content-SHA256": "xyz"}), 400, "BadRequestError"
    )
    ok = upload(client, data, headers={"X-Content-SHA256": hashlib.sha256(data).hexdigest()})
    assert ok.status_code == 202


def test_size_cap_from_content_length_is_413(client):
    r = client.put("/api/v1/uploads/big.bin", data=b"x" * (6 * 1024 * 1024))
    assert_problem(r, 413, "PayloadTooLargeError")


def test_oversized_multipart_is_413(make_app):
    app = make_app(max_upload_bytes=1000)
    r = app.test_client().post(
        "/api/v1/scans",
        data={"file": (io.BytesIO(b"a" * 5000), "a.bin")},
        content_type="multipart/form-data",
    )
    assert_problem(r, 413, "PayloadTooLargeError")


def test_multipart_several_files_make_one_group(client, run_queued):
    r = client.post(
        "/api/v1/scans",
        data={
            "file": [
                (io.BytesIO(clean_pickle()), "a.pkl"),
                (io.BytesIO(malicious_pickle()), "b.pkl"),
            ]
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 202
    group = r.get_json()
    assert group["kind"] == "group"
    assert len(group["files"]) == 2
    run_queued()
    done = client.get(f"/api/v1/scans/{group['id']}").get_json()
    assert done["status"] == "done"
    assert done["verdict"] == "malicious"
    assert done["stats"]["clean"] == 1
    assert done["stats"]["malicious"] == 1


def test_multipart_one_file_is_a_file_scan(client):
    r = client.post(
        "/api/v1/scans",
        data={"file": (io.BytesIO(clean_pickle()), "one.pkl")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 202
    assert r.get_json()["kind"] == "file"
    assert_problem(
        client.post("/api/v1/scans", data={}, content_type="multipart/form-data"),
        400,
        "BadRequestError",
    )


def test_json_source_is_validated(client):
    r = client.post("/api/v1/scans", json={"source": {"type": "nope"}})
    assert r.status_code in (400, 501)
    assert r.mimetype == PROBLEM
    assert_problem(client.post("/api/v1/scans", json={"nothing": 1}), 400, "BadRequestError")


# -- hash lookup ---------------------------------------------------------------------------
def test_file_lookup_by_hash(client, run_queued):
    assert_problem(client.get("/api/v1/files/" + "a" * 64), 404, "NotFoundError")
    assert_problem(client.get("/api/v1/files/not-a-hash"), 400, "BadRequestError")
    data = malicious_pickle()
    upload(client, data, "x.pkl")
    run_queued()
    digest = hashlib.sha256(data).hexdigest()
    body = client.get(f"/api/v1/files/{digest.upper()}").get_json()
    assert body["sha256"] == digest
    assert body["last_verdict"] == "malicious"
    assert body["names"] == ["x.pkl"]
    assert body["size"] == len(data)
    assert client.head(f"/api/v1/files/{digest}").status_code == 200


# -- listing ---------------------------------------------------------------------------------
def test_list_paginates_with_cursor_and_filters(client, run_queued):
    ids = [
        upload(client, clean_pickle() + bytes([i]), f"f{i}.pkl").get_json()["id"] for i in range(5)
    ]
    upload(client, malicious_pickle(), "bad.pkl")
    run_queued()
    seen, url, pages = [], "/api/v1/scans?limit=2", 0
    while url:
        r = client.get(url)
        body = r.get_json()
        seen += [s["id"] for s in body["data"]]
        pages += 1
        if body["next_cursor"]:
            assert 'rel="next"' in r.headers["Link"]
            url = f"/api/v1/scans?limit=2&cursor={body['next_cursor']}"
        else:
            url = None
    assert pages == 3
    assert len(seen) == 6
    assert len(set(seen)) == 6
    assert set(ids) <= set(seen)
    bad = client.get("/api/v1/scans?verdict=malicious").get_json()["data"]
    assert [s["files"][0]["path"] for s in bad] == ["bad.pkl"]
    assert len(client.get("/api/v1/scans?status=done&source=upload").get_json()["data"]) == 6
    assert len(client.get("/api/v1/scans?q=f3.pkl").get_json()["data"]) == 1
    assert_problem(client.get("/api/v1/scans?verdict=evil"), 400, "BadRequestError")
    assert_problem(client.get("/api/v1/scans?cursor=%%%"), 400, "BadRequestError")
    assert_problem(client.get("/api/v1/scans?limit=1000"), 400, "BadRequestError")


# -- rescan / delete -------------------------------------------------------------------------
def test_rescan_makes_a_new_queued_scan(client, run_queued):
    first = upload(client, clean_pickle()).get_json()
    run_queued()
    r = client.post(f"/api/v1/scans/{first['id']}/rescan")
    assert r.status_code == 202
    again = r.get_json()
    assert again["id"] != first["id"]
    assert again["status"] == "queued"
    assert_problem(client.post("/api/v1/scans/scn_missing/rescan"), 404, "NotFoundError")


def test_delete_removes_scan_and_unreferenced_bytes(client, app, run_queued):
    scan = upload(client, clean_pickle()).get_json()
    digest = scan["files"][0]["sha256"]
    assert client.delete(f"/api/v1/scans/{scan['id']}").status_code == 204
    assert_problem(client.get(f"/api/v1/scans/{scan['id']}"), 404, "NotFoundError")
    assert_problem(client.get(f"/api/v1/files/{digest}"), 404, "NotFoundError")
    assert not list((app.config["WEIGHTSCAN_SETTINGS"].resolved_blob_dir).rglob(digest))


def test_a_delete_whose_commit_fails_keeps_the_bytes(client, app, monkeypatch):
    """Blobs are purged only after the commit: a failed commit leaves the scan and the
    bytes it points at, never rows pointing at nothing."""
    from sqlalchemy.orm import Session

    scan = upload(client, clean_pickle()).get_json()
    digest = scan["files"][0]["sha256"]

    def commit_fails(_self):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Session, "commit", commit_fails)
    with contextlib.suppress(RuntimeError):  # propagated by the test app
        assert client.delete(f"/api/v1/scans/{scan['id']}").status_code >= 500
    monkeypatch.undo()
    assert list((app.config["WEIGHTSCAN_SETTINGS"].resolved_blob_dir).rglob(digest))
    assert client.get(f"/api/v1/scans/{scan['id']}").status_code == 200
    assert client.get(f"/api/v1/files/{digest}").status_code == 200


# -- tokens and scopes -------------------------------------------------------------------------
def make_token(app, *scopes, **kw):
    from weightscan.core.tokens import create_token

    with app.extensions["weightscan.sessionmaker"]() as db:
        token, plaintext = create_token(db, "t", scopes, **kw)
        db.commit()
        return token.id, plaintext


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_scopes_and_ownership(make_app):
    app = make_app(allow_anonymous=False)
    c = app.test_client()
    body = assert_problem(upload(c, clean_pickle()), 401, "AuthenticationRequiredError")
    assert "token" in body["detail"].lower()
    assert upload(c, clean_pickle(), headers=bearer("ws_wrong")).status_code == 401

    _, alice = make_token(app, "submit", "read")
    _, bob = make_token(app, "submit", "read")
    _, reader = make_token(app, "read")
    _, admin = make_token(app, "admin")
    r = upload(c, clean_pickle(), headers=bearer(alice))
    assert r.status_code == 202
    scan_id = r.get_json()["id"]
    assert_problem(upload(c, clean_pickle(), headers=bearer(reader)), 403, "ForbiddenError")
    assert c.get(f"/api/v1/scans/{scan_id}", headers={"X-Api-Key": alice}).status_code == 200
    assert_problem(c.get(f"/api/v1/scans/{scan_id}", headers=bearer(bob)), 404, "NotFoundError")
    assert c.get(f"/api/v1/scans/{scan_id}", headers=bearer(admin)).status_code == 200
    assert c.get("/api/v1/scans", headers=bearer(bob)).get_json()["data"] == []
    assert len(c.get("/api/v1/scans", headers=bearer(admin)).get_json()["data"]) == 1
    assert_problem(c.delete(f"/api/v1/scans/{scan_id}", headers=bearer(bob)), 404, "NotFoundError")
    assert c.delete(f"/api/v1/scans/{scan_id}", headers=bearer(alice)).status_code == 204


def test_tokens_are_stored_hashed_and_expire_or_revoke(make_app):
    from weightscan.core.models import ApiToken
    from weightscan.core.tokens import revoke_token

    app = make_app(allow_anonymous=False)
    c = app.test_client()
    token_id, plaintext = make_token(app, "read")
    with app.extensions["weightscan.sessionmaker"]() as db:
        row = db.get(ApiToken, token_id)
        assert row.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
        assert plaintext not in (row.prefix, row.token_hash)
        assert plaintext.startswith(row.prefix)
    assert c.get("/api/v1/scans", headers=bearer(plaintext)).status_code == 200
    with app.extensions["weightscan.sessionmaker"]() as db:
        assert revoke_token(db, token_id)
        db.commit()
    assert c.get("/api/v1/scans", headers=bearer(plaintext)).status_code == 401
    expired_id, expired = make_token(app, "read", expires_in_days=1)
    with app.extensions["weightscan.sessionmaker"]() as db:
        db.get(ApiToken, expired_id).expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.commit()
    assert c.get("/api/v1/scans", headers=bearer(expired)).status_code == 401


# -- limits, errors, infrastructure ---------------------------------------------------------------
def test_rate_limit_answers_429_with_retry_after(make_app):
    c = make_app(rate_limit="3/minute").test_client()
    codes = [c.get("/api/v1/version").status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    r = c.get("/api/v1/version")
    assert_problem(r, 429, "RateLimitedError")
    assert int(r.headers["Retry-After"]) > 0
    assert c.get("/healthz").status_code == 200  # exempt


def test_broker_down_is_503_and_the_scan_stays_queued(make_app):
    app = make_app(broker_url="redis://127.0.0.1:1/0")
    r = upload(app.test_client(), clean_pickle())
    body = assert_problem(r, 503, "ServiceUnavailableError")
    assert r.headers["Retry-After"]
    assert body["scan_id"]
    with app.extensions["weightscan.sessionmaker"]() as db:
        assert db.get(Scan, body["scan_id"]).status.value == "queued"


def test_framework_errors_are_problems_without_traces(make_app):
    app = make_app()

    @app.get("/api/v1/boom-test")
    def boom():
        raise RuntimeError("secret internals /etc/passwd")

    client = app.test_client()
    assert_problem(client.delete("/api/v1/version"), 405, "MethodNotAllowedError")
    assert_problem(client.get("/api/v1/scans/nope"), 404, "NotFoundError")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = client.get("/api/v1/boom-test")
    body = assert_problem(r, 500, "InternalError")
    assert "secret internals" not in r.get_data(as_text=True)
    assert body["detail"]


def test_health_readiness_and_version(client):
    r = client.get("/healthz")
    assert r.mimetype == "application/health+json"
    assert r.get_json(force=True)["status"] == "pass"
    ready = client.get("/readyz")
    body = ready.get_json(force=True)
    assert ready.status_code == 200
    assert ready.mimetype == "application/health+json"
    assert body["checks"]["database:responseTime"][0]["status"] == "pass"
    assert body["checks"]["broker:connection"][0]["status"] == "pass"
    assert body["status"] in ("pass", "warn")  # no worker runs in this test
    version = client.get("/api/v1/version").get_json()
    assert version["engine"]["version"]
    assert version["engine"]["rules_version"]


def test_readiness_fails_when_the_database_is_gone(app, make_app, tmp_path):
    app = make_app(database_url=f"sqlite:///{tmp_path}/missing/dir/db.sqlite")
    r = app.test_client().get("/readyz")
    assert r.status_code == 503
    assert r.get_json(force=True)["status"] == "fail"


def _stamp(app, revision):
    """Set the database's Alembic revision (None: never migrated), as a deploy that skipped
    a migration, or ran a newer release's first, leaves it."""
    from sqlalchemy import text

    engine = app.extensions["weightscan.engine"]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        if revision is not None:
            conn.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})


def test_readiness_fails_when_the_schema_is_behind_the_code(app):
    from weightscan.core.migrate import head_revision, known_revisions

    assert (
        app.test_client()
        .get("/readyz")
        .get_json(force=True)["checks"]["database:migration"][0]["status"]
        == "pass"
    )
    # behind: not migrated at all, or at a revision before head (once there is one)
    for revision in [None, *sorted(known_revisions() - {head_revision()})]:
        _stamp(app, revision)
        r = app.test_client().get("/readyz")
        check = r.get_json(force=True)["checks"]["database:migration"][0]
        assert r.status_code == 503
        assert check["status"] == "fail"
        assert "weightscan db upgrade" in check["output"]


def test_readiness_warns_on_a_revision_from_a_newer_release(app):
    _stamp(app, "ffffffffffff")
    r = app.test_client().get("/readyz")
    body = r.get_json(force=True)
    assert r.status_code == 200
    assert body["checks"]["database:migration"][0]["status"] == "warn"
    assert body["status"] == "warn"


def test_metrics_count_and_can_be_protected(make_app, run_queued):
    app = make_app()
    c = app.test_client()
    upload(c, clean_pickle())
    upload(c, b"x" * (6 * 1024 * 1024))
    text = c.get("/metrics").get_data(as_text=True)
    assert 'scans_submitted_total{source="upload"} 1.0' in text
    assert 'uploads_rejected_total{reason="too_large"} 1.0' in text
    assert 'scans{status="queued"} 1' in text
    assert "http_request_duration_seconds_bucket" in text
    locked = make_app(metrics_token="m-secret").test_client()
    assert locked.get("/metrics").status_code == 401
    assert locked.get("/metrics", headers=bearer("m-secret")).status_code == 200


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "a\x00b.pkl", "<script>x</script>.pkl", "..", "dir\\..\\x.pkl"]
)
def test_hostile_names_are_display_metadata_only(client, app, name):
    from urllib.parse import quote

    r = client.put("/api/v1/uploads/" + quote(name, safe=""), data=clean_pickle())
    assert r.status_code == 202
    stored = r.get_json()["files"][0]["path"]
    assert "/" not in stored
    assert "\x00" not in stored
    assert "<" not in stored
    assert stored not in ("..", ".")
    with app.extensions["weightscan.sessionmaker"]() as db:
        assert db.scalar(select(Scan.filename).where(Scan.id == r.get_json()["id"])) == stored


def test_token_api_create_list_revoke(make_app):
    app = make_app(allow_anonymous=False)
    c = app.test_client()
    admin_id, admin = make_token(app, "admin")
    r = c.post(
        "/api/v1/tokens",
        json={"name": "ci", "scopes": ["submit", "read"], "expires_in_days": 30},
        headers=bearer(admin),
    )
    assert r.status_code == 201
    created = r.get_json()
    assert created["token"].startswith(created["prefix"])
    assert created["expires_at"]
    user = created["token"]
    assert upload(c, clean_pickle(), headers=bearer(user)).status_code == 202
    assert_problem(
        c.post("/api/v1/tokens", json={"name": "x"}, headers=bearer(user)), 403, "ForbiddenError"
    )
    assert_problem(
        c.post("/api/v1/tokens", json={"name": "x", "scopes": ["root"]}, headers=bearer(admin)),
        400,
        "BadRequestError",
    )
    mine = c.get("/api/v1/tokens", headers=bearer(user)).get_json()["data"]
    assert [t["id"] for t in mine] == [created["id"]]
    assert "token" not in mine[0]
    everyone = c.get("/api/v1/tokens", headers=bearer(admin)).get_json()["data"]
    assert {t["id"] for t in everyone} == {admin_id, created["id"]}
    assert_problem(
        c.delete(f"/api/v1/tokens/{admin_id}", headers=bearer(user)), 404, "NotFoundError"
    )
    assert c.delete(f"/api/v1/tokens/{created['id']}", headers=bearer(admin)).status_code == 204
    assert c.get("/api/v1/scans", headers=bearer(user)).status_code == 401


def test_bad_wait_is_refused_before_anything_is_recorded(client):
    assert_problem(
        client.put("/api/v1/uploads/a.pkl?wait=999", data=clean_pickle()), 400, "BadRequestError"
    )
    assert client.get("/api/v1/scans").get_json()["data"] == []


def test_junit_report_marks_flagged_files(client, run_queued):
    import xml.etree.ElementTree as ET

    r = client.post(
        "/api/v1/scans",
        data={
            "file": [
                (io.BytesIO(clean_pickle()), "a.pkl"),
                (io.BytesIO(malicious_pickle("echo \x01<x>")), "b\x1f.pkl"),
            ]
        },
        content_type="multipart/form-data",
    )
    group = r.get_json()
    assert_problem(
        client.get(f"/api/v1/scans/{group['id']}/report.junit.xml"), 409, "NotAvailableYet"
    )
    run_queued()
    xml = client.get(f"/api/v1/scans/{group['id']}/report.junit.xml")
    assert xml.mimetype == "application/xml"
    suite = ET.fromstring(xml.data)  # well-formed despite control characters in the file
    assert suite.get("tests") == "2"
    assert suite.get("failures") == "1"
    failed = [c for c in suite if c.find("failure") is not None]
    assert "pickle.import" in failed[0].find("failure").text
    assert_problem(
        client.get(f"/api/v1/scans/{group['id']}/report.junit.xml?fail_on=x"),
        400,
        "BadRequestError",
    )


def test_allow_extends_the_policy_and_the_cache_key(client, run_queued):
    data = malicious_pickle()
    upload(client, data)
    run_queued()
    allowed = client.put("/api/v1/uploads/m.pkl?allow=os.system", data=data)
    assert allowed.status_code == 202  # another policy: not answered from the cache
    assert allowed.get_json()["engine"]["policy"] == {"extra_allow": ["os.system"]}
    assert_problem(
        client.put("/api/v1/uploads/m.pkl?allow=no-dot", data=data), 400, "BadRequestError"
    )
