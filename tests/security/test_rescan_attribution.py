"""Issue 14 #4: a rescan belongs to whoever asked for it, and a callback URL never crosses
principals (over real HTTP)."""

from __future__ import annotations

from typing import Any

from tests.security.conftest import db_session, new_token, run_queued
from tests.security.live import multipart, serve
from tests.security.samples import clean_pickle
from weightscan.core.models import Scan

CALLBACK = "http://127.0.0.1:9/owner-callback"


def test_anonymous_rescan_is_not_the_owners(make_app: Any) -> None:
    app = make_app(
        allow_anonymous=True,
        fetch_allowed_schemes=("http", "https"),
        fetch_allow_private=("127.0.0.1",),
    )
    owner_id, owner = new_token(app, "owner")
    body, ctype = multipart({"callback_url": CALLBACK}, {"file": ("m.pkl", clean_pickle("r"))})
    with serve(app) as live:
        mine = live.request(
            "POST",
            "/api/v1/scans",
            body=body,
            headers={"Content-Type": ctype, "Authorization": f"Bearer {owner}"},
        )
        assert mine.status == 202, mine.body
        run_queued(app)
        again = live.request("POST", f"/api/v1/scans/{mine.json()['id']}/rescan")
        assert again.status == 202, again.body
        listed = live.get("/api/v1/scans", headers={"Authorization": f"Bearer {owner}"}).json()
        assert [s["id"] for s in listed["data"]] == [mine.json()["id"]]
    with db_session(app) as db:
        original = db.get(Scan, mine.json()["id"])
        rescan = db.get(Scan, again.json()["id"])
        assert original.owner_token_id == owner_id
        assert original.callback_url == CALLBACK
        assert rescan.owner_token_id is None
        assert rescan.callback_url is None


def test_admin_rescan_is_the_admins_without_the_owners_callback(make_app: Any) -> None:
    app = make_app(fetch_allowed_schemes=("http", "https"), fetch_allow_private=("127.0.0.1",))
    _, owner = new_token(app, "owner")
    admin_id, admin = new_token(app, "ops", ("admin",))
    body, ctype = multipart({"callback_url": CALLBACK}, {"file": ("m.pkl", clean_pickle("s"))})
    with serve(app) as live:
        mine = live.request(
            "POST",
            "/api/v1/scans",
            body=body,
            headers={"Content-Type": ctype, "Authorization": f"Bearer {owner}"},
        )
        run_queued(app)
        again = live.request(
            "POST",
            f"/api/v1/scans/{mine.json()['id']}/rescan",
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert again.status == 202
        # the owner's own rescan keeps its callback
        own = live.request(
            "POST",
            f"/api/v1/scans/{mine.json()['id']}/rescan",
            headers={"Authorization": f"Bearer {owner}"},
        )
        assert own.status == 202
    with db_session(app) as db:
        rescan = db.get(Scan, again.json()["id"])
        assert rescan.owner_token_id == admin_id
        assert rescan.callback_url is None
        assert db.get(Scan, own.json()["id"]).callback_url == CALLBACK
