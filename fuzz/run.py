"""The long fuzzing run: every target, a time budget, a table of executions per parser.

    python3 fuzz/run.py --minutes 60                 # all targets, 60 minutes in all
    python3 fuzz/run.py --minutes 10 --targets pickle,zip --jobs 1
    python3 fuzz/run.py --seconds-per-target 30 --engine mutate

Corpora grow in fuzz/corpus/<target>/ (kept between runs) and inputs that broke the
contract land in fuzz/crashes/ (both gitignored). Exit status 1 if anything crashed.
See fuzz/README.md.
"""

from __future__ import annotations

import argparse
import math
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz.runner import ROOT, RunResult, atheris_available, run_target
from fuzz.targets import TARGETS


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, help="wall time for the whole run")
    budget.add_argument("--seconds-per-target", type=float)
    p.add_argument(
        "--targets", default=",".join(TARGETS), help=f"comma-separated, from: {', '.join(TARGETS)}"
    )
    p.add_argument("--jobs", type=int, default=2, help="targets fuzzed at once")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--engine",
        choices=("atheris", "mutate"),
        default="atheris" if atheris_available() else "mutate",
    )
    p.add_argument("--corpus", type=Path, default=ROOT / "fuzz" / "corpus")
    p.add_argument("--crashes", type=Path, default=ROOT / "fuzz" / "crashes")
    p.add_argument(
        "--slow-seconds", type=float, default=None, help="per-input time budget (default 2 s)"
    )
    a = p.parse_args(argv)
    names = [n.strip() for n in a.targets.split(",") if n.strip()]
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        p.error(f"unknown targets: {', '.join(unknown)}")
    jobs = max(1, a.jobs)
    if a.seconds_per_target is not None:
        per_target = a.seconds_per_target
    else:
        per_target = (a.minutes or 1.0) * 60 / math.ceil(len(names) / jobs)

    def one(name: str) -> RunResult:
        r = run_target(
            name,
            seconds=per_target,
            corpus_dir=a.corpus / name,
            crash_dir=a.crashes,
            seed=a.seed,
            engine=a.engine,
            slow_seconds=a.slow_seconds,
        )
        print(
            f"  {name}: {r.executions} executions in {r.seconds:.0f} s, {len(r.crashes)} crashes",
            flush=True,
        )
        return r

    print(
        f"fuzzing {len(names)} targets, {per_target:.0f} s each, {jobs} at a time, "
        f"engine {a.engine}",
        flush=True,
    )
    with ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(one, names))
    print(render_table(results))
    crashes = [c for r in results for c in r.crashes]
    for c in crashes:
        print(f"crash: {c}")
    return 1 if crashes else 0


def render_table(results: list[RunResult]) -> str:
    rows = [
        "| target | parser | engine | executions | exec/s | coverage (edges) "
        "| peak RSS MB | crashes |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rows.append(
            f"| {r.target} | {TARGETS[r.target].parser} | {r.engine} | {r.executions} "
            f"| {r.per_second:.0f} | {r.coverage if r.coverage is not None else '-'} "
            f"| {r.peak_rss_mb or '-'} | {len(r.crashes)} |"
        )
    total = sum(r.executions for r in results)
    rows.append(f"| **all** | | | {total} | | | | {sum(len(r.crashes) for r in results)} |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
