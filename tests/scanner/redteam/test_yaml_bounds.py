"""YAML configs are composed within a node budget and the file's time budget.

The composer built every node before the walk counted them: a 4 MiB flow list of two
million scalars took 1.6 GB of memory and five minutes (past the 120 s file budget,
which nothing checked while composing); a million empty documents took 40 s and 500 MB.
A file over the node budget is stopped while it is composed and reported as not read
whole; the time budget is checked as nodes and tokens are read.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.fixtures.archives import scan_bytes
from weightscan.scanner import Verdict
from weightscan.scanner.yamlconfig.compose import MAX_NODES, YamlUnreadable, compose


@pytest.mark.parametrize(
    "text",
    [
        "[" + "a," * MAX_NODES + "a]",  # one flow list
        "---\n" * (MAX_NODES + 2),  # one empty document each
        "- &a x\n" + "- *a\n" * (MAX_NODES + 2),  # aliases are nodes the composer visits
    ],
    ids=["flow-list", "documents", "aliases"],
)
def test_composition_stops_at_the_node_budget(text: str) -> None:
    started = time.monotonic()
    with pytest.raises(YamlUnreadable, match="nodes"):
        compose(text, single=False)
    assert time.monotonic() - started < 60


def test_a_file_over_the_node_budget_is_not_clean() -> None:
    data = b"boom: !apply:os.system [echo]\nlist: [" + b"0," * MAX_NODES + b"0]\n"
    file = scan_bytes(data, name="hyperparams.yaml")
    assert file.verdict is not Verdict.CLEAN
    assert "yaml.config-invalid" in {f.rule_id for f in file.findings}


class _OutOfTime(Exception):
    pass


def _deadline_after(calls: int) -> Callable[[], None]:
    left = [calls]

    def check_time() -> None:
        left[0] -= 1
        if left[0] < 0:
            raise _OutOfTime

    return check_time


@pytest.mark.parametrize(
    "text",
    [
        "".join(f"k{i}: [a, b, c]\n" for i in range(20_000)),  # nodes
        "# a comment the scanner reads past, token by token\na: 1\n" * 40_000,  # tokens
    ],
    ids=["nodes", "tokens"],
)
def test_composing_checks_the_time_budget(text: str) -> None:
    with pytest.raises(_OutOfTime):
        compose(text, single=False, check_time=_deadline_after(3))
