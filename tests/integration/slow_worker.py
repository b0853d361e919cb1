"""Celery entry point for the kill -9 tests: the real worker, except that a scan of a file
named ``slow*`` is held before the scanner runs while ``$WEIGHTSCAN_TEST_HOLD/hold``
exists, writing the pool process's pid to ``$WEIGHTSCAN_TEST_HOLD/pid`` first -- so a
test can kill exactly the process that is mid-scan.

    celery -A tests.integration.slow_worker:app worker
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import weightscan.core.scans.run as run
from weightscan.core.settings import Settings
from weightscan.worker.celery_app import make_celery

_real_scan = run._scan_fileobj
_MAX_HOLD_SECONDS = 60.0


def _held_scan(fileobj: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    hold_dir = os.environ.get("WEIGHTSCAN_TEST_HOLD")
    if hold_dir and Path(name).name.startswith("slow") and (Path(hold_dir) / "hold").exists():
        (Path(hold_dir) / "pid").write_text(str(os.getpid()))
        deadline = time.monotonic() + _MAX_HOLD_SECONDS
        while (Path(hold_dir) / "hold").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return _real_scan(fileobj, name, *args, **kwargs)


run._scan_fileobj = _held_scan
app = make_celery(Settings.from_env())
