"""Run one fuzz target in a child process for a time budget and collect what it found.

Used by the long run (fuzz/run.py) and the short CI run (tests/fuzz). The child is
``python3 -m fuzz.harness``: atheris/libFuzzer when atheris is installed, the seeded
mutator otherwise. A crash stops a libFuzzer process, so the runner starts it again on
the same (growing) corpus until the budget is spent; every input that broke the
contract is left in the crash directory as ``<target>-crash-<sha1>`` (or ``-timeout-``,
``-oom-``), and the fuzzer's output for it in ``logs/``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from fuzz.harness import MAX_LEN, RSS_LIMIT_MB, SLOW_ENV

ROOT = Path(__file__).resolve().parent.parent
HANG_SECONDS = 20  # libFuzzer's per-input timeout: a hard backstop behind the 2 s check
_MAX_RESTARTS = 25
_STAT = re.compile(r"stat::(\w+):\s*(\d+)")
_PROGRESS = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+)", re.M)


@dataclass
class RunResult:
    target: str
    engine: str
    seconds: float = 0.0
    executions: int = 0
    coverage: int | None = None  # libFuzzer's covered edges (atheris only)
    peak_rss_mb: int = 0
    crashes: list[Path] = field(default_factory=list)
    log_tail: str = ""

    @property
    def per_second(self) -> float:
        return self.executions / self.seconds if self.seconds else 0.0


def atheris_available() -> bool:
    return importlib.util.find_spec("atheris") is not None


def write_seeds(target: str, corpus_dir: Path) -> int:
    """Write ``target``'s seeds into ``corpus_dir`` (named by content); returns the count."""
    from fuzz.seeds import seeds_for

    corpus_dir.mkdir(parents=True, exist_ok=True)
    seeds = seeds_for(target)
    for data in seeds:
        path = corpus_dir / ("seed-" + hashlib.sha1(data).hexdigest())
        if not path.exists():
            path.write_bytes(data)
    return len(seeds)


def run_target(
    target: str,
    *,
    seconds: float,
    corpus_dir: Path,
    crash_dir: Path,
    seed: int = 1,
    engine: str | None = None,
    slow_seconds: float | None = None,
    hang_seconds: int = HANG_SECONDS,
) -> RunResult:
    """Fuzz ``target`` for about ``seconds`` (restarting after crashes) and report."""
    engine = engine or ("atheris" if atheris_available() else "mutate")
    write_seeds(target, corpus_dir)
    crash_dir.mkdir(parents=True, exist_ok=True)
    before = set(crash_dir.iterdir())
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))),
    )
    if slow_seconds is not None:
        env[SLOW_ENV] = str(slow_seconds)
    result = RunResult(target, engine)
    started = time.monotonic()
    for attempt in range(_MAX_RESTARTS):
        remaining = seconds - (time.monotonic() - started)
        if remaining < 1 or (attempt and engine == "mutate"):
            break
        cmd = _command(
            target,
            engine,
            int(remaining) if remaining >= 2 else 1,
            seed + attempt,
            corpus_dir,
            crash_dir,
            hang_seconds,
        )
        try:
            proc = subprocess.run(
                cmd,
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=remaining + hang_seconds + 60,
                check=False,
            )
            log = proc.stderr + proc.stdout
        except subprocess.TimeoutExpired as exc:
            log = _text(exc.stderr) + "\n(run killed: it outlived its budget)"
        _absorb(result, log)
        crashed = "Test unit written to" in log or "contract broken" in log
        if not crashed:
            break
        _drop_from_corpus(corpus_dir, set(crash_dir.iterdir()) - before)
        logs = crash_dir / "logs"  # the traceback or the slow-input message, for triage
        logs.mkdir(exist_ok=True)
        (logs / f"{target}-{int(time.time())}-{attempt}.txt").write_text(log[-20_000:])
    result.seconds = time.monotonic() - started
    result.crashes = sorted(
        p
        for p in set(crash_dir.iterdir()) - before
        if p.is_file() and p.name.startswith(f"{target}-")
    )
    return result


def _drop_from_corpus(corpus_dir: Path, crashes: set[Path]) -> None:
    """A corpus input that crashes would stop every restart at once: move it out."""
    for crash in crashes:
        digest = crash.name.rsplit("-", 1)[-1]
        for name in (digest, f"seed-{digest}"):
            (corpus_dir / name).unlink(missing_ok=True)


def _command(
    target: str,
    engine: str,
    seconds: int,
    seed: int,
    corpus_dir: Path,
    crash_dir: Path,
    hang_seconds: int,
) -> list[str]:
    base = [sys.executable, "-m", "fuzz.harness", target]
    if engine == "mutate":
        return [
            *base,
            "--engine",
            "mutate",
            "--seconds",
            str(seconds),
            "--seed",
            str(seed),
            "--corpus",
            str(corpus_dir),
            "--crashes",
            str(crash_dir),
            "--hang-seconds",
            str(hang_seconds),
        ]
    return [
        *base,
        f"-max_total_time={seconds}",
        f"-seed={seed}",
        f"-max_len={MAX_LEN}",
        f"-timeout={hang_seconds}",
        f"-rss_limit_mb={RSS_LIMIT_MB}",
        "-print_final_stats=1",
        f"-artifact_prefix={crash_dir}/{target}-",
        str(corpus_dir),
    ]


def _absorb(result: RunResult, log: str) -> None:
    stats = {k: int(v) for k, v in _STAT.findall(log)}
    progress = _PROGRESS.findall(log)
    execs = stats.get("number_of_executed_units", int(progress[-1][0]) if progress else 0)
    result.executions += execs
    if progress:
        result.coverage = max(result.coverage or 0, int(progress[-1][1]))
    peaks = [int(v) for k, v in _STAT.findall(log) if k == "vmhwm_mb"]
    result.peak_rss_mb = max([result.peak_rss_mb, *peaks])
    result.log_tail = log[-4000:]


def _text(data: bytes | str | None) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data or ""
