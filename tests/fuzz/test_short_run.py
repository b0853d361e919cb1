"""The short fuzz run for CI: every target for a few seconds from its generated seeds.

Coverage-guided with atheris when it is installed (a libFuzzer child per target, fixed
seed), the seeded mutator otherwise. Any input that breaks the contract fails the test
with the input in hex and the child's traceback; make it a regression test in
tests/fuzz/test_regressions.py. The long run is ``python3 fuzz/run.py --minutes N``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fuzz.runner import RunResult, run_target
from fuzz.targets import TARGETS, ContractViolation, check
from tests.fuzz.conftest import RESULTS
from tests.fuzz.test_regressions import KNOWN_UNFIXED

SECONDS = float(os.environ.get("WEIGHTSCAN_FUZZ_CI_SECONDS", "5"))
# Slower than the 2 s of the long run: CI machines are shared and a GC pause or a
# first-time import must not fail the build. Real hangs take far longer.
SLOW_SECONDS = 5.0


def known_finding(target: str, path: Path) -> str | None:
    """The id of an already-reported, still-unfixed finding this crash reproduces."""
    try:
        report = check(TARGETS[target], path.read_bytes(), slow_seconds=60)
    except ContractViolation as exc:
        return next((f for text, f in KNOWN_UNFIXED.items() if text in str(exc)), None)
    # it passes given time: it was reported as slow. Archives reopened down to the
    # nesting limit are F4's fan-out (tests/fuzz/test_regressions.py).
    rules = {f.rule_id for f in report.files[0].findings}
    return "F4" if "F4" in KNOWN_UNFIXED.values() and "limits.nesting" in rules else None


def describe(result: RunResult, crashes: list[Path]) -> str:
    lines = [f"{result.target}: {len(crashes)} inputs broke the contract"]
    for path in crashes[:3]:
        data = path.read_bytes()
        lines.append(f"  {path.name} ({len(data)} bytes): {data[:256].hex()}")
    lines.append("last output of the fuzzer:")
    lines.append(result.log_tail[-2500:])
    return "\n".join(lines)


@pytest.mark.parametrize("target", list(TARGETS))
def test_short_fuzz_run(target: str, tmp_path: Path) -> None:
    result = run_target(
        target,
        seconds=SECONDS,
        corpus_dir=tmp_path / "corpus",
        crash_dir=tmp_path / "crashes",
        seed=1,
        slow_seconds=SLOW_SECONDS,
    )
    RESULTS.append(result)
    assert result.executions > 0, result.log_tail
    new = [p for p in result.crashes if known_finding(target, p) is None]
    assert not new, describe(result, new)
    if result.crashes:
        known = sorted({known_finding(target, p) for p in result.crashes} - {None})
        pytest.xfail(f"only known, unfixed findings reproduced: {known}")
