"""Scan one file in a child process under the worker's memory ceiling; measure it.

The child sets RLIMIT_AS to the service's configured ceiling (``worker_max_memory_mb``,
as the worker does), scans the file with the given limits and prints the outcome as
JSON. Peak memory is the child's VmHWM: ``ru_maxrss`` (from ``RUSAGE_CHILDREN`` or even
``os.wait4``) would count the forked copy of this large pytest process before exec.
The child reads its own VmHWM, which starts afresh at exec.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MEMORY_CEILING_MB = 2048  # core.settings.Settings.worker_max_memory_mb (its default)
PEAK_RSS_BUDGET_MB = 400  # what one scan of any of these inputs may reach, imports included

_CHILD = r"""
import json, resource, sys, time
ceiling = int(sys.argv[3]) << 20
resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
from weightscan.scanner import ScanLimits, scan_file
limits = ScanLimits(**json.loads(sys.argv[2]))
def hwm():  # this process image's peak RSS in kB (ru_maxrss would include the fork)
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
before = hwm()
started = time.monotonic()
report = scan_file(sys.argv[1], limits=limits)
seconds = time.monotonic() - started
after = hwm()
print(json.dumps({"verdict": report.verdict.value, "format": report.format,
                  "rules": sorted({f.rule_id for f in report.findings}),
                  "messages": [f.message for f in report.findings][:20],
                  "seconds": seconds, "rss_before_kb": before, "rss_after_kb": after}))
"""


@dataclass(frozen=True)
class Outcome:
    verdict: str
    format: str
    rules: frozenset[str]
    messages: tuple[str, ...]
    seconds: float  # the scan itself, measured in the child
    wall_seconds: float  # the whole child, start-up included
    peak_rss_mb: float  # the scanning process's peak resident set (VmHWM)
    scan_rss_growth_mb: float  # growth of the peak during the scan alone

    def __str__(self) -> str:
        return (
            f"{self.verdict} ({self.format}) in {self.seconds:.2f} s, peak RSS "
            f"{self.peak_rss_mb:.0f} MB (+{self.scan_rss_growth_mb:.0f} MB): "
            f"{sorted(self.rules)}"
        )


def scan_in_child(
    path: Path, *, hard_timeout: float = 120.0, ceiling_mb: int = MEMORY_CEILING_MB, **limits: Any
) -> Outcome:
    """Scan ``path`` in a fresh interpreter with ``ScanLimits(**limits)``."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-c", _CHILD, str(path), json.dumps(limits), str(ceiling_mb)]
    started = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err)
        killer = threading.Timer(hard_timeout, proc.kill)
        killer.start()
        try:
            assert proc.stdout is not None
            out = proc.stdout.read()
            proc.stdout.close()
            proc.wait()
        finally:
            killer.cancel()
        wall = time.monotonic() - started
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if wall >= hard_timeout:
        raise AssertionError(f"scan of {path.name} killed after {hard_timeout} s")
    if proc.returncode != 0:
        raise AssertionError(f"scanner child failed ({proc.returncode}): {stderr[-3000:]}")
    data = json.loads(out.decode().strip().splitlines()[-1])
    return Outcome(
        data["verdict"],
        data["format"],
        frozenset(data["rules"]),
        tuple(data["messages"]),
        data["seconds"],
        wall,
        data["rss_after_kb"] / 1024,
        (data["rss_after_kb"] - data["rss_before_kb"]) / 1024,
    )
