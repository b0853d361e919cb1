"""Issue 12 "Slow recovery in embedded mode": a scan whose pool process dies mid-scan is
put back in the queue at once (the worker's main process sees the loss), not after the
900 s stale time. Embedded broker (kombu on SQLite), a real prefork worker, SIGKILL."""

from __future__ import annotations

import contextlib
import os
import signal
import time

import pytest

from tests.core.samples import malicious_pickle
from tests.faults.helpers import (
    env_for,
    fault_settings,
    make_app,
    put,
    sessions_of,
    start_worker,
    wait_all_finished,
)
from weightscan.core.models import Scan, ScanStatus

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def test_a_killed_scan_is_requeued_at_once(tmp_path, migrated_db):
    hold = tmp_path / "hold"
    hold.mkdir()
    (hold / "hold").touch()  # scans of slow* block until released
    settings = fault_settings(
        tmp_path / "home",
        database_url=migrated_db,
        broker_url="",
        stale_after_seconds=900,
        sweep_interval_seconds=60,
        max_attempts=3,
    )
    app = make_app(settings)
    worker = None
    try:
        worker = start_worker(
            env_for(settings, WEIGHTSCAN_TEST_HOLD=str(hold)),
            tmp_path / "worker.log",
            hold_app=True,
        )
        scan_id = put(app.test_client(), malicious_pickle("echo lost"), "slow-lost.pkl").json["id"]
        pid_file = hold / "pid"
        deadline = time.monotonic() + 60
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pid_file.exists(), worker.tail()
        pid = int(pid_file.read_text() or 0)
        pid_file.unlink()
        (hold / "hold").unlink()  # the next attempt runs through
        killed_at = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        rows = wait_all_finished(app, [scan_id], 45, [worker])
        assert time.monotonic() - killed_at < 45  # not the 900 s stale time
        assert rows[0].verdict == "malicious"
        assert rows[0].attempts == 2  # the lost attempt counts
        with sessions_of(app)() as db:
            assert db.get(Scan, scan_id).status == ScanStatus.DONE
    finally:
        if worker is not None:
            worker.stop()
        app.extensions["weightscan.engine"].dispose()
