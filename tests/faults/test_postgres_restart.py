"""PostgreSQL (our own throw-away cluster) crashes (``pg_ctl stop -m immediate``) while a
worker is mid-scan and scans wait in the queue, and comes back. The web answers again at
once (pool_pre_ping), the worker retries its database work, and every scan ends with a
verdict, recorded once."""

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
from tests.integration.procs import wait_until
from weightscan.core.migrate import upgrade

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(240)]


def test_postgres_crash_and_restart(tmp_path, own_postgres, own_redis):
    upgrade(own_postgres.url)
    hold = tmp_path / "hold"
    hold.mkdir()
    settings = fault_settings(
        tmp_path / "home",
        database_url=own_postgres.url,
        broker_url=own_redis.url,
        stale_after_seconds=4,
    )
    app = make_app(settings)
    client = app.test_client()
    expected: dict[str, str] = {}
    worker = None

    def submit(data: bytes, name: str, verdict: str) -> str:
        response = put(client, data, name)
        assert response.status_code in (200, 202), (name, response.status_code, response.json)
        expected[response.json["id"]] = verdict
        return str(response.json["id"])

    try:
        worker = start_worker(
            env_for(settings, WEIGHTSCAN_TEST_HOLD=str(hold)),
            tmp_path / "worker.log",
            hold_app=True,
        )
        for i in range(3):
            submit(clean_pickle(300 + i), f"before{i}.pkl", "clean")
        wait_all_finished(app, list(expected), 60, [worker])
        # A scan held mid-way in the worker, three more waiting behind it in Redis.
        (hold / "hold").touch()
        submit(malicious_pickle("echo pg-crash"), "slow-pg.pkl", "malicious")
        wait_until(lambda: (hold / "pid").exists(), 30, "the worker to start the slow scan")
        for i in range(3):
            submit(
                malicious_pickle(f"echo queued-{i}") if i == 0 else clean_pickle(310 + i),
                f"queued{i}.pkl",
                "malicious" if i == 0 else "clean",
            )
        own_postgres.stop("immediate")  # a crash: every connection cut
        (hold / "hold").unlink()  # the held scan now tries to record into a dead database
        time.sleep(3)
        own_postgres.start()
        # The web process answers at once: stale pooled connections are pinged and replaced.
        assert client.get("/api/v1/scans").status_code == 200
        for i in range(3):
            submit(clean_pickle(320 + i), f"after{i}.pkl", "clean")
        rows = wait_all_finished(app, list(expected), 120, [worker])
        assert {r.id: r.verdict for r in rows} == expected
        assert max(r.attempts for r in rows) <= settings.max_attempts
        assert_results_recorded_once(app)
        assert worker.p.poll() is None
    finally:
        if worker is not None:
            worker.stop()
        app.extensions["weightscan.engine"].dispose()


def _requests_while_the_database_is_down(tmp_path, own_postgres, own_redis):
    upgrade(own_postgres.url)
    settings = fault_settings(
        tmp_path / "home", database_url=own_postgres.url, broker_url=own_redis.url
    )
    app = make_app(settings)
    client = app.test_client()
    try:
        assert client.get("/api/v1/scans").status_code == 200
        own_postgres.stop("immediate")
        answers = {
            "listing": client.get("/api/v1/scans"),
            "upload": put(client, clean_pickle(400), "down.pkl"),
            "readyz": client.get("/readyz"),
        }
        own_postgres.start()
        leftovers = [p for p in (settings.home / "tmp").rglob("*") if p.is_file()]
        back = client.get("/api/v1/scans").status_code
        return answers, leftovers, back
    finally:
        app.extensions["weightscan.engine"].dispose()


def test_web_survives_a_database_outage(tmp_path, own_postgres, own_redis):
    """During the outage: not ready, no 2xx, nothing half-stored; after it: serving."""
    answers, leftovers, back = _requests_while_the_database_is_down(
        tmp_path, own_postgres, own_redis
    )
    assert answers["readyz"].status_code == 503
    for name in ("listing", "upload"):
        assert answers[name].status_code >= 500, name
        assert answers[name].mimetype == "application/problem+json", name
    assert leftovers == []
    assert back == 200


def test_database_outage_answers_503_with_retry_after(tmp_path, own_postgres, own_redis):
    answers, _leftovers, _back = _requests_while_the_database_is_down(
        tmp_path, own_postgres, own_redis
    )
    for name in ("listing", "upload"):
        assert answers[name].status_code == 503, (name, answers[name].status_code)
        assert "Retry-After" in answers[name].headers
