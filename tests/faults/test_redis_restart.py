"""Redis (the broker) is killed with SIGKILL mid-run and restarted empty (no persistence:
every message it held is gone). Every scan still ends with a verdict, exactly once."""

from __future__ import annotations

import time

import pytest

from tests.core.samples import clean_pickle, malicious_pickle
from tests.faults.helpers import (
    assert_results_recorded_once,
    env_for,
    fault_settings,
    make_app,
    put,
    start_worker,
    wait_all_finished,
)

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(240)]


def sample(i: int) -> tuple[bytes, str, str]:
    if i % 3 == 0:
        return malicious_pickle(f"echo redis-{i}"), f"evil{i}.pkl", "malicious"
    return clean_pickle(1000 + i), f"clean{i}.pkl", "clean"


def test_redis_killed_and_restarted_mid_run(tmp_path, migrated_db, own_redis):
    settings = fault_settings(tmp_path / "home", database_url=migrated_db, broker_url=own_redis.url)
    app = make_app(settings)
    client = app.test_client()
    workers = []
    expected: dict[str, str] = {}

    def submit(i: int, allowed: tuple[int, ...]) -> None:
        data, name, verdict = sample(i)
        response = put(client, data, name)
        assert response.status_code in allowed, (i, response.status_code, response.json)
        scan_id = response.json["id"] if response.status_code < 300 else response.json["scan_id"]
        expected[scan_id] = verdict

    try:
        env = env_for(settings)
        workers = [
            start_worker(env, tmp_path / "w1.log"),
            start_worker(env, tmp_path / "w2.log", beat=False),
        ]
        for i in range(12):  # a burst: some done, some running, some waiting in Redis
            submit(i, (200, 202))
        own_redis.kill9()
        for i in range(12, 18):  # the broker is gone: recorded, 503, queued
            submit(i, (503,))
        time.sleep(1)
        own_redis.start()  # same port, empty
        for i in range(18, 30):  # the web reconnects on its own
            submit(i, (200, 202, 503))
        rows = wait_all_finished(app, list(expected), 120, workers)
        assert {r.id: r.verdict for r in rows} == expected
        assert max(r.attempts for r in rows) <= settings.max_attempts
        assert_results_recorded_once(app)
        for w in workers:
            assert w.p.poll() is None, f"a worker died with the broker:\n{w.tail()}"
            # Real-process logs never carry file contents (the echoed commands).
            assert "echo redis-" not in w.output()
    finally:
        for w in workers:
            w.stop()
        app.extensions["weightscan.engine"].dispose()
