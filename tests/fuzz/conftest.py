"""Print the short fuzz run's executions per parser at the end of the test session."""

from __future__ import annotations

from typing import Any

RESULTS: list[Any] = []  # fuzz.runner.RunResult, appended by test_short_run


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    from fuzz.run import render_table

    terminalreporter.write_sep("-", "short fuzz run: executions per parser")
    terminalreporter.write_line(render_table(sorted(RESULTS, key=lambda r: r.target)))
