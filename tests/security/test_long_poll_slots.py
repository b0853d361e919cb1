"""Issue 14 #5: ``?wait`` long polls cannot take every worker thread; past
``max_concurrent_waits`` a request answers at once and says so (real HTTP)."""

from __future__ import annotations

import threading
import time
from typing import Any

from tests.security.conftest import new_token
from tests.security.live import serve
from tests.security.samples import clean_pickle


def test_waits_past_the_limit_answer_at_once(make_app: Any) -> None:
    app = make_app(max_concurrent_waits=1)
    _, token = new_token(app, "ci")
    auth = {"Authorization": f"Bearer {token}"}
    with serve(app) as live:
        scan_id = live.put_file("m.pkl", clean_pickle("w"), headers=auth).json()["id"]
        first: dict[str, Any] = {}

        def hold() -> None:
            started = time.monotonic()
            first["reply"] = live.get(f"/api/v1/scans/{scan_id}?wait=3", headers=auth)
            first["seconds"] = time.monotonic() - started

        thread = threading.Thread(target=hold)
        thread.start()
        time.sleep(0.5)  # the first long poll holds the only slot (no worker runs here)
        started = time.monotonic()
        second = live.get(f"/api/v1/scans/{scan_id}?wait=3", headers=auth)
        assert time.monotonic() - started < 1.5
        assert second.status == 200
        assert second.header("x-weightscan-wait") == "busy"
        assert second.header("retry-after") == "1"
        thread.join(10)
        assert first["seconds"] >= 2.5  # it did wait
        assert first["reply"].header("x-weightscan-wait") is None
        # the slot is free again
        third_started = time.monotonic()
        third = live.get(f"/api/v1/scans/{scan_id}?wait=1", headers=auth)
        assert third.header("x-weightscan-wait") is None
        assert time.monotonic() - third_started >= 0.9


def test_a_long_poll_is_capped_by_the_server(make_app: Any) -> None:
    app = make_app(max_wait_seconds=1)
    _, token = new_token(app, "ci")
    auth = {"Authorization": f"Bearer {token}"}
    with serve(app) as live:
        started = time.monotonic()
        upload = live.put_file("m.pkl", clean_pickle("c"), query="?wait=60", headers=auth)
        assert 0.9 <= time.monotonic() - started < 3  # waited the cap, not the 60 s asked
        assert upload.status == 202
        assert upload.header("x-weightscan-wait") == "capped"
        assert upload.header("retry-after") == "1"
        scan_id = upload.json()["id"]
        gate = live.get(f"/api/v1/scans/{scan_id}?wait=60&fail_on=suspicious", headers=auth)
        assert gate.status == 409  # no verdict yet: the CI gate polls again
        assert gate.header("x-weightscan-wait") == "capped"
        short = live.get(f"/api/v1/scans/{scan_id}?wait=1", headers=auth)
        assert short.header("x-weightscan-wait") is None  # asked for no more than the cap
