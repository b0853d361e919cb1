"""The Celery app built from Settings: the reliability knobs, and the per-scan memory cap."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from weightscan.worker.celery_app import celery_config, make_celery

ROOT = Path(__file__).resolve().parents[2]


def test_json_only_and_late_acks(settings):
    conf = make_celery(settings).conf
    assert conf.task_serializer == conf.result_serializer == "json"
    assert list(conf.accept_content) == ["json"]
    assert conf.task_ignore_result is True
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is False
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_connection_retry_on_startup is True
    assert conf.worker_max_memory_per_child == settings.worker_max_memory_mb * 1024


def test_time_limits_come_from_settings(settings):
    conf = celery_config(settings.replace(task_soft_time_limit=30, task_time_limit=40))
    assert (conf["task_soft_time_limit"], conf["task_time_limit"]) == (30, 40)
    # A hard limit at or below the soft one would never let the soft one fire.
    conf = celery_config(settings.replace(task_soft_time_limit=30, task_time_limit=10))
    assert conf["task_time_limit"] > 30


def test_redis_visibility_timeout_outlasts_the_hard_limit(settings):
    conf = celery_config(
        settings.replace(
            broker_url="redis://127.0.0.1:6379/9", task_time_limit=5000, task_soft_time_limit=4000
        )
    )
    assert conf["broker_transport_options"]["visibility_timeout"] > 5000


def test_embedded_broker_defaults(settings):
    conf = celery_config(settings)
    assert conf["broker_url"].startswith("sqla+sqlite:///")
    assert "polling_interval" in conf["broker_transport_options"]


def test_sweeper_is_scheduled(settings):
    schedule = make_celery(settings.replace(sweep_interval_seconds=7)).conf.beat_schedule
    entry = schedule["sweep-stale-scans"]
    assert (entry["task"], entry["schedule"]) == ("weightscan.sweep_stale", 7.0)


def test_tasks_are_registered_by_name(settings):
    tasks = make_celery(settings).tasks
    assert {"weightscan.scan_file", "weightscan.sweep_stale"} <= set(tasks)


def test_memory_ceiling_applies_rlimit_as(settings):
    """In a fresh process: the cap is set, and a big allocation fails with MemoryError."""
    code = (
        "import resource\n"
        "from weightscan.core.settings import Settings\n"
        "from weightscan.worker.runtime import apply_memory_ceiling\n"
        "limit = apply_memory_ceiling(Settings(worker_max_memory_mb=256))\n"
        "assert limit and resource.getrlimit(resource.RLIMIT_AS)[0] == limit, limit\n"
        "try:\n"
        "    bytearray(limit)\n"
        "except MemoryError:\n"
        "    print('capped')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip() == "capped", out.stderr


@pytest.mark.parametrize("url", ["redis://h:6379/0", "sqla+sqlite:////tmp/b.db"])
def test_no_pickle_anywhere(settings, url):
    conf = celery_config(settings.replace(broker_url=url))
    assert "pickle" not in repr({k: v for k, v in conf.items() if "serial" in k or "accept" in k})
