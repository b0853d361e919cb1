"""A "poison" file: every worker process that scans it dies (simulated by SIGKILL of the
pool process each time it starts on that file, as an OOM kill or a segfault in a native
parser would). After ``max_attempts`` the sweeper finishes it as verdict ``error``; it is
never left ``running`` and never loops through the queue forever, and the worker keeps
serving other files.

(A single kill -9 mid-scan, finished by another worker, is covered by
tests/integration/test_distributed.py.)"""

from __future__ import annotations

import contextlib
import os
import signal
import time

import pytest

from tests.core.samples import clean_pickle, malicious_pickle
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

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(180)]


def test_a_file_that_kills_its_worker_ends_as_error(tmp_path, migrated_db, own_redis):
    hold = tmp_path / "hold"
    hold.mkdir()
    (hold / "hold").touch()  # every scan of slow* blocks until killed
    settings = fault_settings(
        tmp_path / "home",
        database_url=migrated_db,
        broker_url=own_redis.url,
        max_attempts=2,
        stale_after_seconds=2,
    )
    app = make_app(settings)
    client = app.test_client()
    worker = None
    try:
        worker = start_worker(
            env_for(settings, WEIGHTSCAN_TEST_HOLD=str(hold)),
            tmp_path / "worker.log",
            hold_app=True,
        )
        poison = put(client, malicious_pickle("echo poison"), "slow-poison.pkl").json["id"]
        killed: list[int] = []
        statuses: list[str] = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with sessions_of(app)() as db:
                scan = db.get(Scan, poison)
                statuses.append(scan.status.value)
                if scan.status == ScanStatus.DONE:
                    break
            pid_file = hold / "pid"
            if pid_file.exists():
                pid = int(pid_file.read_text() or 0)
                pid_file.unlink()
                if pid and pid not in killed:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
            time.sleep(0.1)
        with sessions_of(app)() as db:
            scan = db.get(Scan, poison)
            assert scan.status == ScanStatus.DONE, (scan.status, killed, worker.tail())
            assert scan.verdict == "error"
            assert scan.attempts == settings.max_attempts
            assert "worker lost" in (scan.error or "")
            assert [f.rule_id for f in scan.findings], "the error is explained by a finding"
        assert len(killed) == settings.max_attempts  # not one more try after giving up
        # The worker survived its dead children and still scans other files.
        (hold / "hold").unlink()
        after = put(client, clean_pickle(901), "after.pkl").json["id"]
        rows = wait_all_finished(app, [after], 60, [worker])
        assert rows[0].verdict == "clean"
        time.sleep(3)  # a few sweeps later: the poison scan stays finished
        with sessions_of(app)() as db:
            assert db.get(Scan, poison).attempts == settings.max_attempts
    finally:
        if worker is not None:
            worker.stop()
        app.extensions["weightscan.engine"].dispose()
