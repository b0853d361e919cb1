"""Run a command with a timeout and measure wall time and peak memory (RSS).

Peak RSS comes from GNU ``/usr/bin/time -f %M`` (the maximum over the process tree it
waits for) when present, else from ``resource.getrusage(RUSAGE_CHILDREN)`` in a small
wrapper process, so both numbers cover exactly one command.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

GNU_TIME = Path("/usr/bin/time")
_WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[2:])\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(rc)\n"
)


@dataclass(frozen=True)
class Run:
    returncode: int | None  # None when it timed out
    stdout: str
    stderr: str
    seconds: float
    peak_rss_bytes: int | None

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def run_measured(
    cmd: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
) -> Run:
    """Run ``cmd``; kill its whole process group after ``timeout`` seconds."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss", delete=False) as tmp:
        rss_file = tmp.name
    if GNU_TIME.exists():
        full = [str(GNU_TIME), "-f", "%M", "-o", rss_file, *cmd]
    else:
        full = [sys.executable, "-c", _WRAPPER, rss_file, *cmd]
    started = time.monotonic()
    proc = subprocess.Popen(
        full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        env=dict(env) if env is not None else None,
        cwd=cwd,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        rc: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        rc = None
    seconds = time.monotonic() - started
    peak = _read_kib(rss_file)
    os.unlink(rss_file)
    return Run(rc, out, err, seconds, peak)


def _read_kib(path: str) -> int | None:
    try:
        text = Path(path).read_text().strip().splitlines()
    except OSError:
        return None
    for line in reversed(text):  # GNU time may prepend "Command exited with non-zero status"
        if line.strip().isdigit():
            return int(line.strip()) * 1024
    return None


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def fmt_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}" if unit == "GB" else f"{n / size:.0f} {unit}"
    return f"{n} B"
