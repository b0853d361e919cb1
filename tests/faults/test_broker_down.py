"""The broker is down at submit time (a Redis port with nothing listening).

The web engineer's contract (web/README.md, web/queue.py): the scan row is committed first
and stays ``queued``; the API answers 503 + ``Retry-After`` with the scan id; the form
redirects to the scan page. When the broker comes back, the worker's sweeper enqueues
the row and it finishes -- nothing lost, nothing half-recorded, nothing recorded twice.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.core.samples import clean_pickle, malicious_pickle
from tests.faults.helpers import (
    assert_results_recorded_once,
    env_for,
    fault_settings,
    make_app,
    put,
    sessions_of,
    start_worker,
    wait_all_finished,
)
from tests.faults.services import OwnRedis
from tests.security.conftest import csrf_of
from weightscan.core.models import Scan, ScanStatus, StoredFile

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(180)]


def test_submit_while_the_broker_is_down_then_it_returns(tmp_path, migrated_db):
    redis = OwnRedis(tmp_path / "redis")  # a port of our own, nothing listening yet
    settings = fault_settings(tmp_path / "home", database_url=migrated_db, broker_url=redis.url)
    app = make_app(settings)
    client = app.test_client()
    worker = None
    try:
        response = put(client, malicious_pickle("echo broker-down"), "evil.pkl")
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        assert response.mimetype == "application/problem+json"
        scan_id = response.json["scan_id"]
        assert response.headers["Location"].endswith(f"/api/v1/scans/{scan_id}")
        # Recorded whole: one queued row, its blob stored and registered once.
        with sessions_of(app)() as db:
            scan = db.get(Scan, scan_id)
            assert scan.status == ScanStatus.QUEUED
            assert db.scalar(select(func.count()).select_from(Scan)) == 1
            stored = db.get(StoredFile, scan.file_sha256)
        assert stored is not None
        assert (settings.resolved_blob_dir / stored.blob_key).is_file()
        assert client.get(f"/api/v1/scans/{scan_id}").json["status"] == "queued"
        # The same file again: the same queued scan or a new queued one, never an error.
        again = put(client, malicious_pickle("echo broker-down"), "evil.pkl")
        assert again.status_code in (202, 503)
        # The HTML form: the page shows the queued scan instead of an error.
        page = client.post(
            "/upload",
            data={
                "csrf_token": csrf_of(client),
                "file": (io.BytesIO(clean_pickle(77)), "form.pkl"),
            },
            content_type="multipart/form-data",
        )
        assert page.status_code == 303
        form_id = page.headers["Location"].rsplit("/", 1)[-1]
        with sessions_of(app)() as db:
            ids = list(db.scalars(select(Scan.id).where(Scan.kind == "file")))
        assert form_id in ids

        redis.start()  # the broker returns; the sweeper (beat in the worker) re-sends
        worker = start_worker(env_for(settings), tmp_path / "worker.log")
        rows = wait_all_finished(app, ids, 60, [worker])
        verdicts = {r.id: r.verdict for r in rows}
        assert verdicts[scan_id] == "malicious"
        assert verdicts[form_id] == "clean"
        assert all(r.attempts == 1 for r in rows)
        assert_results_recorded_once(app)
        # And with the broker up, a submission is accepted normally.
        assert put(client, clean_pickle(78), "after.pkl").status_code in (200, 202)
    finally:
        if worker is not None:
            worker.stop()
        redis.stop()
        app.extensions["weightscan.engine"].dispose()
