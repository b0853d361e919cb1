"""Issue 14 #1: a caller's ``allow=`` never rewrites the answer everyone else gets.

``GET /api/v1/files/<sha256>`` answers under the default policy only; a scan made with
extra allowed imports never stands in for the default verdict. Over real HTTP."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.security.conftest import new_token, run_queued
from tests.security.live import serve
from tests.security.samples import pickle_calling

SUSPICIOUS = pickle_calling("mylib.layers", "Builder", "x")  # an unknown import
DIGEST = hashlib.sha256(SUSPICIOUS).hexdigest()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_allow_scan_never_becomes_the_lookup_verdict(app: Any) -> None:
    _, submitter = new_token(app, "ci", ("submit", "read"))
    _, admin = new_token(app, "ops", ("admin",))
    with serve(app) as live:
        first = live.put_file("m.pkl", SUSPICIOUS, headers=auth(submitter))
        assert first.status == 202
        run_queued(app)
        allowed = live.put_file(
            "m.pkl", SUSPICIOUS, query="?allow=mylib.layers.Builder", headers=auth(submitter)
        )
        assert allowed.status in (200, 202)
        run_queued(app)
        assert (
            live.get(f"/api/v1/scans/{allowed.json()['id']}", headers=auth(submitter)).json()[
                "verdict"
            ]
            == "clean"
        )
        for token in (submitter, admin):
            lookup = live.get(f"/api/v1/files/{DIGEST}", headers=auth(token))
            assert lookup.status == 200
            doc = lookup.json()
            assert doc["last_verdict"] == "suspicious", doc
            assert doc["last_scan_id"] == first.json()["id"]
            assert doc["policy"] == "default"


def test_only_allow_scans_means_no_default_verdict(app: Any) -> None:
    _, submitter = new_token(app, "ci", ("submit", "read"))
    with serve(app) as live:
        allowed = live.put_file(
            "m.pkl", SUSPICIOUS, query="?allow=mylib.layers.Builder", headers=auth(submitter)
        )
        assert allowed.status == 202
        run_queued(app)
        lookup = live.get(f"/api/v1/files/{DIGEST}", headers=auth(submitter))
        assert lookup.status == 404, lookup.body
        assert lookup.json()["code"] == "NotFoundError"
        # and a default-policy submission does not reuse the allow scan's verdict
        plain = live.put_file("m.pkl", SUSPICIOUS, headers=auth(submitter))
        assert plain.status == 202
        assert not plain.json()["cached"]


def test_allow_cannot_clear_imports_that_run_code(app: Any) -> None:
    """Issue 14 #2: these run code, so they are denied, and ``allow=`` cannot clear them."""
    _, submitter = new_token(app, "ci", ("submit", "read"))
    with serve(app) as live:
        for module, name in (
            ("yaml", "unsafe_load"),
            ("yaml", "load"),
            ("yaml", "full_load"),
            ("_thread", "start_new_thread"),
            ("jinja2", "Template"),
        ):
            data = pickle_calling(module, name, "x")
            reply = live.put_file(
                "m.pkl", data, query=f"?allow={module}.{name}", headers=auth(submitter)
            )
            assert reply.status == 202
            run_queued(app)
            scan = live.get(f"/api/v1/scans/{reply.json()['id']}", headers=auth(submitter))
            assert scan.json()["verdict"] == "malicious", (module, name)


def test_many_allow_scans_cannot_push_the_default_verdict_out(app: Any) -> None:
    """The lookup read the 50 newest scans and then dropped the allow= ones: another
    token's 50 forced allow= uploads made the admin's lookup of a suspicious file 404."""
    _, owner = new_token(app, "first", ("submit", "read"))
    _, other = new_token(app, "flooder", ("submit", "read"))
    _, admin = new_token(app, "ops", ("admin",))
    with serve(app) as live:
        assert live.put_file("m.pkl", SUSPICIOUS, headers=auth(owner)).status == 202
        run_queued(app)
        for _ in range(51):
            flood = live.put_file(
                "m.pkl",
                SUSPICIOUS,
                query="?allow=mylib.layers.Builder&force=true",
                headers=auth(other),
            )
            assert flood.status in (200, 202)
        lookup = live.get(f"/api/v1/files/{DIGEST}", headers=auth(admin))
    assert lookup.status == 200, lookup.body
    assert lookup.json()["last_verdict"] == "suspicious"
