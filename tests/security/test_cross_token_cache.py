"""Issue 12 "cross-token leak" over real HTTP: when token B uploads bytes token A already
scanned, B's answer names none of A's scans and dates nothing by A's activity; A's own
repeat still names A's original. Anonymous mode's DELETE decision is checked here too."""

from __future__ import annotations

import time
from typing import Any

from tests.security.conftest import new_token, run_queued
from tests.security.live import serve
from tests.security.samples import clean_pickle


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_cached_answer_names_nothing_of_another_token(app: Any) -> None:
    _, alice = new_token(app, "alice")
    _, bob = new_token(app, "bob")
    data = clean_pickle("shared")
    with serve(app) as live:
        first = live.put_file("m.pkl", data, headers=auth(alice))
        run_queued(app)
        time.sleep(1.1)
        theirs = live.put_file("m.pkl", data, headers=auth(bob))
        assert theirs.status == 200
        doc = theirs.json()
        assert doc["cached"] is True
        assert doc["cached_from"] is None
        assert first.json()["id"].encode() not in theirs.body
        report = live.get(f"/api/v1/scans/{doc['id']}/report", headers=auth(bob))
        assert first.json()["id"].encode() not in report.body
        lookup = live.get(f"/api/v1/files/{doc['files'][0]['sha256']}", headers=auth(bob))
        assert lookup.json()["first_seen"] == doc["created_at"]
        page = live.get(f"/scans/{doc['id']}", headers=auth(bob))
        assert first.json()["id"].encode() not in page.body
        mine = live.put_file("m.pkl", data, headers=auth(alice)).json()
        assert mine["cached_from"] == first.json()["id"]


def test_anonymous_may_delete_only_anonymous_scans(make_app: Any) -> None:
    app = make_app(allow_anonymous=True)
    _, alice = new_token(app, "alice")
    with serve(app) as live:
        owned = live.put_file("a.pkl", clean_pickle("a"), headers=auth(alice)).json()["id"]
        anonymous = live.put_file("b.pkl", clean_pickle("b")).json()["id"]
        assert live.request("DELETE", f"/api/v1/scans/{owned}").status == 403
        assert live.request("DELETE", f"/api/v1/scans/{anonymous}").status == 204
        assert live.request("DELETE", f"/api/v1/scans/{owned}", headers=auth(alice)).status == 204
