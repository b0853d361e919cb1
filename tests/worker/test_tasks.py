"""The tasks, run in process (eagerly) against a real migrated database and blob store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.core.samples import malicious_pickle, submit_bytes
from weightscan.core.db import utcnow
from weightscan.core.models import Scan, ScanStatus
from weightscan.core.scans.run import claim_scan_row
from weightscan.worker import tasks
from weightscan.worker.celery_app import make_celery
from weightscan.worker.dispatch import CeleryDispatcher


@pytest.fixture
def app(settings, migrated_db):
    settings = settings.replace(database_url=migrated_db)
    celery_app = make_celery(settings)
    celery_app.conf.task_always_eager = True
    return celery_app


@pytest.fixture
def rt(app):
    from weightscan.worker.runtime import runtime_for

    return runtime_for(app)


def _submit(rt, data=None, **kwargs):
    with rt.sessions() as s:
        return submit_bytes(s, rt.blobstore, data or malicious_pickle(), **kwargs).scan.id


def test_scan_file_task_records_the_verdict(app, rt):
    scan_id = _submit(rt)
    result = app.tasks[tasks.SCAN_TASK].apply(args=[scan_id])
    assert result.get() == "malicious"
    with rt.sessions() as s:
        assert s.get(Scan, scan_id).status == ScanStatus.DONE


def test_duplicate_delivery_does_nothing(app, rt):
    scan_id = _submit(rt)
    app.tasks[tasks.SCAN_TASK].apply(args=[scan_id])
    assert app.tasks[tasks.SCAN_TASK].apply(args=[scan_id]).get() is None


def test_transient_errors_are_retried_scanner_errors_are_not():
    opts = tasks.scan_file
    assert tasks.TransientError in opts.autoretry_for
    assert RuntimeError not in opts.autoretry_for
    assert opts.acks_late is True
    assert opts.retry_backoff


def test_sweep_task_requeues_and_sends(app, rt, monkeypatch):
    scan_id = _submit(rt)
    claim_scan_row(rt.sessions, scan_id)  # the worker that took it died
    sent = []
    monkeypatch.setattr(CeleryDispatcher, "scan", lambda _self, sid: sent.append(sid))
    later = utcnow() + timedelta(seconds=rt.settings.stale_after_seconds + 5)
    import weightscan.core.scans.sweep as sweep

    real = sweep.sweep_stale
    monkeypatch.setattr(tasks, "sweep_stale", lambda f, s: real(f, s, now=later))
    assert app.tasks[tasks.SWEEP_TASK].apply().get() == {"requeued": 1, "given_up": 0}
    assert sent == [scan_id]


def test_enqueue_scan_sends_json_by_name(settings, migrated_db):
    celery_app = make_celery(settings.replace(database_url=migrated_db))
    sent = []

    def send_task(name, args, **kwargs):
        sent.append((name, args))

    celery_app.send_task = send_task
    CeleryDispatcher.of(celery_app).scan("scn_1")
    assert sent == [(tasks.SCAN_TASK, ["scn_1"])]
    assert CeleryDispatcher.of(celery_app).scans(["a", "b"]) == []


def test_enqueue_failures_are_reported_not_raised(settings):
    celery_app = make_celery(settings)

    def send_task(*_a, **_k):
        raise ConnectionError("broker down")

    celery_app.send_task = send_task
    assert CeleryDispatcher.of(celery_app).scans(["a"]) == ["a"]


def test_notification_only_when_a_callback_is_wanted(app, rt, monkeypatch):
    if tasks.NOTIFY_TASK not in app.tasks:
        pytest.skip("no notify task registered")
    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, args, **k: sent.append((name, args)))
    without = _submit(rt)
    with_cb = _submit(rt, callback_url="https://example.test/hook", force=True)
    assert not tasks.notify_if_wanted(app, without)
    assert tasks.notify_if_wanted(app, with_cb)
    assert sent == [(tasks.NOTIFY_TASK, [with_cb])]


def test_runtime_is_built_once_per_app(app):
    from weightscan.worker.runtime import runtime_for

    assert runtime_for(app) is runtime_for(app)
