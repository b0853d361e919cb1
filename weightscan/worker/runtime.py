"""Per-process resources for tasks: settings, engine, sessions, blob store.

Built lazily on first use in each process (never at import, never shared across a
fork: ``worker_process_init`` disposes inherited connection pools).
"""

from __future__ import annotations

import logging
import os
import resource
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from weightscan.core.blobstore import BlobStore, make_blobstore
from weightscan.core.db import make_engine, make_sessionmaker
from weightscan.core.settings import Settings

log = logging.getLogger(__name__)
_lock = threading.Lock()
_runtimes: dict[int, Runtime] = {}
_last_settings: Settings | None = None


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    blobstore: BlobStore


def settings_of(app: Any) -> Settings:
    settings = getattr(app, "weightscan_settings", None)
    return settings if isinstance(settings, Settings) else Settings.from_env()


def runtime_for(app: Any) -> Runtime:
    """The runtime of a Celery app (its ``weightscan_settings``), created once per process."""
    global _last_settings
    key = id(app)
    rt = _runtimes.get(key)
    if rt is not None:
        return rt
    with _lock:
        rt = _runtimes.get(key)
        if rt is None:
            settings = settings_of(app)
            engine = make_engine(settings.resolved_database_url)
            rt = Runtime(settings, engine, make_sessionmaker(engine), make_blobstore(settings))
            _runtimes[key] = rt
            _last_settings = settings
    return rt


def remember_settings(settings: Settings) -> None:
    """Which settings the memory ceiling of forked children follows (last app built)."""
    global _last_settings
    _last_settings = settings


def dispose_engines() -> None:
    """After fork: drop pooled connections inherited from the parent (never share a socket)."""
    for rt in list(_runtimes.values()):
        rt.engine.dispose(close=False)


def apply_memory_ceiling(settings: Settings | None = None) -> int | None:
    """Cap this process's address space (``RLIMIT_AS``) at ``worker_max_memory_mb``.

    Applied in each prefork child, which runs one scan at a time, so the cap is per scan.
    It is address space, not RSS: if the child already maps more (shared libraries,
    inherited heap), the cap is that plus the budget. A scan that hits it gets
    ``MemoryError``, which the scanner reports as a ``limits.resource`` finding. Returns
    the limit set, or None.
    """
    settings = settings or _last_settings
    if settings is None or settings.worker_max_memory_mb <= 0:
        return None
    budget = settings.worker_max_memory_mb * 1024 * 1024
    limit = max(budget, _current_vm_bytes() + budget // 2)
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError) as exc:
        log.warning("cannot set RLIMIT_AS: %s", exc)
        return None
    return limit


def _current_vm_bytes() -> int:
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
