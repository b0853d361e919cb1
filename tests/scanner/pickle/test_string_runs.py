"""The engine's fast paths for runs of SHORT_BINUNICODE strings give exactly what the
exact path gives: the same strings on the stack and in the memo, the same opcode count,
the same findings at breaks, across chunk refills and the memo budget.

Runs are what ``pickle.dumps`` writes for lists of strings: fixed-width runs take the
column path, mixed widths the per-string path, non-ASCII strings roll back to the exact
decode. The reference is the Python list that was pickled.
"""

from __future__ import annotations

import io
import pickle
import pickletools
import random

import pytest

from tests.fixtures.pickles import call4, ops
from tests.scanner.pickle.helpers import rules, scan
from weightscan.scanner import ScanLimits
from weightscan.scanner.context import ScanContext
from weightscan.scanner.pickle import values
from weightscan.scanner.pickle.engine import Engine, PickleSummary
from weightscan.scanner.pickle.values import EVICTED, Container
from weightscan.scanner.source import Source


@pytest.fixture(autouse=True)
def keep_every_item(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(values, "CONTAINER_KEEP", 10**7)  # compare whole lists


def run(data: bytes, limits: ScanLimits | None = None) -> tuple[object, PickleSummary]:
    ctx = ScanContext.for_file(limits or ScanLimits())
    engine = Engine(Source(io.BytesIO(data)), ctx)
    ok, value, _ = engine.run_at(0)
    assert ok, engine.problem
    return plain(value), engine.summary


def plain(value: object) -> object:
    """Symbolic lists back to Python lists, for comparison with what was pickled."""
    if type(value) is Container:
        assert value.kind == "list"
        return [plain(v) for v in value.items]
    return value


def opcode_count(data: bytes) -> int:
    return sum(1 for _ in pickletools.genops(data))


def fixed_width(n: int, width: int = 7) -> list[str]:
    return [f"{i:0{width}d}" for i in range(n)]


def mixed_width(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    return ["x" * rnd.randrange(0, 40) + str(i) for i in range(n)]


CASES = {
    "fixed width": fixed_width(5000),
    "fixed width, 200 chars": [f"{i:0200d}" for i in range(600)],
    "fixed width, empty strings": ["" + "" for _ in range(300)],
    "mixed width": mixed_width(5000),
    "f-string ids": [f"s{i}" for i in range(20000)],
    "non-ascii in a fixed-width run": [*fixed_width(1500), "abcdéf", *fixed_width(3000)[1501:]],
    "opcode bytes in the text": [f"{i:03d}\u0514\u050c" for i in range(2000)],
    "lone surrogates": [f"\ud800{i:04d}" for i in range(2000)],
    "one string": ["only"],
}


@pytest.mark.parametrize("protocol", [2, 4, 5])
@pytest.mark.parametrize("case", list(CASES))
def test_strings_and_opcode_count_match_what_was_pickled(case: str, protocol: int) -> None:
    strings = CASES[case]
    data = pickle.dumps(strings, protocol=protocol)
    value, summary = run(data)
    assert value == strings
    assert summary.opcodes == opcode_count(data)


@pytest.mark.parametrize("case", ["fixed width", "mixed width", "non-ascii in a fixed-width run"])
def test_memoized_strings_come_back_through_the_memo(case: str) -> None:
    strings = CASES[case]
    data = pickle.dumps([strings, strings[:]], protocol=4)  # second list: memo GETs
    value, summary = run(data)
    assert value == [strings, strings]
    assert summary.opcodes == opcode_count(data)


def test_memo_budget_reached_in_the_middle_of_a_run() -> None:
    strings = fixed_width(3000)
    data = pickle.dumps([strings, strings[:]], protocol=4)
    value, summary = run(data, ScanLimits(max_pickle_memo=1500))
    first, again = value  # type: ignore[misc]
    assert first == strings
    assert summary.memo_degraded
    assert again[:1498] == strings[:1498]  # slots 0-1 hold the outer and inner lists
    assert all(v is EVICTED for v in again[1498:])
    assert summary.opcodes == opcode_count(data)


def test_runs_that_cross_chunk_refills() -> None:
    strings = fixed_width(150_000, width=12) + mixed_width(60_000)  # > 2 chunks of 1 MiB
    data = pickle.dumps(strings, protocol=4)
    value, summary = run(data)
    assert value == strings
    assert summary.opcodes == opcode_count(data)


def unframed(strings: list[str]) -> bytes:
    """``pickle.dumps(strings, 4)`` without FRAME opcodes (a cut is then in a run)."""
    rows = b"".join(b"\x8c" + bytes([len(s)]) + s.encode() + ops.MEMOIZE for s in strings)
    return b"\x80\x04]\x94(" + rows + b"e."


@pytest.mark.parametrize("cut", [2, 3, 5, 9, 10, 11, 12, 5003])
def test_a_run_cut_short_is_a_truncated_stream(cut: int) -> None:
    data = unframed(fixed_width(1000))
    assert run(data)[0] == fixed_width(1000)
    report = scan(data[:-cut])
    assert "pickle.stream.truncated" in rules(report)
    assert report.verdict.value != "clean"


def test_a_call_after_a_dense_run_is_still_found() -> None:
    data = pickle.dumps(fixed_width(20000), protocol=4)
    data = data[:-1] + ops.POP + call4("os", "system", "echo run") + ops.STOP
    report = scan(data)
    assert report.verdict.value == "malicious"


def test_invalid_utf8_inside_a_fixed_width_run_is_reported() -> None:
    good = pickle.dumps(fixed_width(1000), protocol=4)
    row = b"\x8c\x070000500\x94"
    at = good.index(row)
    bad = good[:at] + b"\x8c\x07000\xff500\x94" + good[at + len(row) :]
    assert "pickle.string.invalid" in rules(scan(bad))
