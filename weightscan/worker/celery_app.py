"""The Celery app, built from ``Settings`` (no Flask, no import-time environment reads).

Reliability choices, for a queue fed with hostile files:

* JSON only (a pickle serializer in a pickle scanner would be an own goal);
* results ignored: verdicts live in SQL, the row is the source of truth;
* ``acks_late`` + ``worker_prefetch_multiplier=1``: a message is acknowledged after the
  task returns, and a worker holds one message at a time;
* ``task_reject_on_worker_lost=False``: a file that kills its worker must not loop through
  the queue forever; attempts are counted in the database instead (``max_attempts``) and
  the sweeper re-enqueues stale scans;
* Redis ``visibility_timeout`` above the hard time limit, so a long scan is not
  redelivered to a second worker while the first is still on it;
* soft/hard time limits from settings, ``worker_max_memory_per_child`` recycling, and a
  per-child address-space ceiling (``RLIMIT_AS``) set in ``worker_process_init``;
* a beat schedule running the sweeper every ``sweep_interval_seconds``.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from typing import Any

from celery import Celery, signals
from kombu.transport import TRANSPORT_ALIASES

from weightscan.core.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "weightscan"
DOWNLOAD_QUEUE = "downloads"  # registry fetches (network egress) can get their own workers
# Modules holding tasks.
TASK_MODULES = ("weightscan.worker.tasks", "weightscan.worker.registry_tasks")

# "sqla+sqlite:///…" (the embedded broker) uses our subclass that can poll faster.
TRANSPORT_ALIASES["sqla"] = "weightscan.worker.embedded_broker:Transport"
TRANSPORT_ALIASES["sqlalchemy"] = "weightscan.worker.embedded_broker:Transport"


def celery_config(settings: Settings) -> dict[str, Any]:
    """Every Celery setting in one mapping (tests and docs read it)."""
    broker = settings.resolved_broker_url
    hard = max(settings.task_time_limit, settings.task_soft_time_limit + 1)
    conf: dict[str, Any] = {
        "broker_url": broker,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "event_serializer": "json",
        "task_ignore_result": True,
        "result_backend": None,
        "task_acks_late": True,
        "task_reject_on_worker_lost": False,
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": settings.task_soft_time_limit,
        "task_time_limit": hard,
        "worker_max_memory_per_child": settings.worker_max_memory_mb * 1024,  # KiB
        "worker_concurrency": settings.worker_concurrency,
        # A killed pool process is reported after this wait (default 10 s), during which
        # its slot stays busy; results are ignored, so there is nothing to wait for.
        "worker_lost_wait": 2.0,
        "worker_hijack_root_logger": False,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        "task_default_queue": DEFAULT_QUEUE,
        "task_create_missing_queues": True,
        "worker_send_task_events": False,
        "beat_schedule": {
            "sweep-stale-scans": {
                "task": "weightscan.sweep_stale",
                "schedule": float(settings.sweep_interval_seconds),
                "options": {"expires": float(settings.sweep_interval_seconds)},
            },
        },
        "beat_schedule_filename": str(settings.home / "celerybeat-schedule"),
        "timezone": "UTC",
        "enable_utc": True,
    }
    if broker.startswith(("redis://", "rediss://", "sentinel://")):
        # Unacked messages come back after this long; it must outlast the longest scan.
        conf["broker_transport_options"] = {
            "visibility_timeout": max(3600, 2 * hard),
            "socket_timeout": 10,
            "socket_connect_timeout": 5,
        }
    elif broker.startswith("sqla+"):
        # A long SQLite busy timeout lets web and worker processes share the file;
        # polling_interval is taken out before create_engine by worker.embedded_broker.
        conf["broker_transport_options"] = {
            "connect_args": {"timeout": 30},
            "polling_interval": 0.1,
        }
    elif broker.startswith("filesystem://"):
        data = settings.home / "broker"
        for sub in ("out", "processed", "control"):
            (data / sub).mkdir(parents=True, exist_ok=True)
        conf["broker_transport_options"] = {
            "data_folder_in": str(data / "out"),
            "data_folder_out": str(data / "out"),
            "processed_folder": str(data / "processed"),
            "store_processed": False,
            # exchange tables; kombu's default is "control" in the working directory
            "control_folder": str(data / "control"),
            "polling_interval": 0.2,
        }
    return conf


def make_celery(settings: Settings) -> Celery:
    """A Celery app for these settings; ``app.weightscan_settings`` carries them to tasks."""
    if settings.embedded_broker:
        settings.ensure_home()
    app = Celery("weightscan", include=list(TASK_MODULES), set_as_current=False)
    app.conf.update(celery_config(settings))
    app.weightscan_settings = settings
    from weightscan.worker import runtime

    runtime.remember_settings(settings)
    # Register the tasks on this app now, so ``app.tasks`` is complete in the web process
    # too (shared_task binds them to every app).
    # A task module may add periodic entries with a module-level ``BEAT_SCHEDULE`` dict.
    for module in TASK_MODULES:
        extra = getattr(importlib.import_module(module), "BEAT_SCHEDULE", None)
        if extra:
            app.conf.beat_schedule = {**app.conf.beat_schedule, **extra}

    return app


@signals.worker_process_init.connect
def _after_fork(**_: Any) -> None:
    """In each prefork child: fresh DB connections, and the per-scan memory ceiling."""
    from weightscan.worker import runtime

    runtime.dispose_engines()
    runtime.apply_memory_ceiling()
