"""The Celery side: task names registered on the app, and the registry sweep on beat."""

from __future__ import annotations

from celery import beat, signals

from weightscan.core.settings import Settings


def test_tasks_are_registered_and_the_sweep_is_scheduled(tmp_path):
    import weightscan.worker.registry_tasks as rt
    from weightscan.worker.celery_app import make_celery
    from weightscan.worker.tasks import NOTIFY_TASK

    app = make_celery(Settings(home=tmp_path, broker_url="filesystem://"))
    for name in (rt.EXPAND_TASK, rt.DELIVER_TASK, rt.SWEEP_REGISTRY_TASK, NOTIFY_TASK):
        assert name in app.tasks
    service = beat.Service(app=app, schedule_filename=str(tmp_path / "schedule"))
    signals.beat_init.send(sender=service)
    try:
        assert "registry-sweep" in service.scheduler.schedule
        assert "sweep-stale-scans" in service.scheduler.schedule
    finally:
        service.scheduler.close()
