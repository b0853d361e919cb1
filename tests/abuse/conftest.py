"""The resource-abuse suite: a table of what every case cost, printed at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.abuse.scanproc import Outcome, scan_in_child

RESULTS: list[tuple[str, Outcome]] = []


@pytest.fixture
def scan(request: pytest.FixtureRequest) -> Any:
    """``scan(path, **limits)``: scan in a measured child process and record the outcome."""

    def run(path: Path, **limits: Any) -> Outcome:
        outcome = scan_in_child(path, **limits)
        RESULTS.append((request.node.name, outcome))
        path.unlink(missing_ok=True)  # sparse or not, leave nothing large behind
        return outcome

    return run


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    terminalreporter.write_sep("-", "resource abuse: time and peak memory per case")
    terminalreporter.write_line("| case | verdict | scan s | peak RSS MB | findings |")
    terminalreporter.write_line("|---|---|---:|---:|---|")
    for name, o in RESULTS:
        rules = ", ".join(sorted(o.rules))[:110]
        terminalreporter.write_line(
            f"| {name} | {o.verdict} | {o.seconds:.2f} | {o.peak_rss_mb:.0f} | {rules} |"
        )
