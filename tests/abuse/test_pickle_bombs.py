"""Pickle floods and bombs: opcodes, memo, stack, memo-reference amplification, nesting."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.abuse import bombs
from tests.abuse.expect import bounded, flagged
from tests.fixtures.pickles import call0

PAYLOAD = call0("os", "system", "echo deep")


def test_ten_million_opcodes_under_a_small_opcode_budget(scan, tmp_path: Path):
    o = scan(
        bombs.write(tmp_path / "flood.pkl", bombs.opcode_flood(5_000_000)),
        max_pickle_opcodes=100_000,
    )
    bounded(o, seconds=5)
    flagged(o, "pickle.budget.opcodes")


@pytest.mark.parametrize("builder", [bombs.memo_flood, bombs.put_flood], ids=["MEMOIZE", "PUT"])
def test_memo_flood_stays_within_the_memo_budget(scan, tmp_path: Path, builder):
    """120,000 memo slots under a 20,000 budget: memory stays flat."""
    o = scan(bombs.write(tmp_path / "memo.pkl", builder(120_000)), max_pickle_memo=20_000)
    bounded(o, seconds=10)
    assert o.scan_rss_growth_mb < 50, str(o)


@pytest.mark.parametrize("builder", [bombs.memo_flood, bombs.put_flood], ids=["MEMOIZE", "PUT"])
def test_memo_flood_read_back_past_the_memo_budget(scan, tmp_path: Path, builder):
    """A slot the budget dropped is read back: the value is unknown, so never clean."""
    o = scan(
        bombs.write(tmp_path / "memo.pkl", builder(120_000, read_back=True)), max_pickle_memo=20_000
    )
    bounded(o, seconds=10)
    flagged(o, "pickle.budget.memo")


def test_memo_reference_amplification_in_a_call_argument(scan, tmp_path: Path):
    """10**12 logical strings as the argument of os.system: found, rendered bounded.

    Finding F2 (pickle renderer walks the shared memo graph as a tree): the scan must
    end within its 3 s budget; the child is killed after 10 s.
    """
    o = scan(
        bombs.write(tmp_path / "laughs.pkl", bombs.memo_laughs(12)), max_seconds=3, hard_timeout=10
    )
    bounded(o, seconds=6)
    assert o.verdict == "malicious", str(o)


def test_memo_reference_amplification_as_plain_data(scan, tmp_path: Path):
    o = scan(bombs.write(tmp_path / "laughs.pkl", bombs.memo_laughs(40, call=False)))
    bounded(o, seconds=10)


def test_stack_flood_over_the_stack_budget(scan, tmp_path: Path):
    o = scan(
        bombs.write(tmp_path / "stack.pkl", bombs.stack_flood(2_000_000)), max_pickle_stack=100_000
    )
    bounded(o, seconds=10)
    flagged(o, "pickle.budget.stack")


def test_mark_flood_over_the_stack_budget(scan, tmp_path: Path):
    o = scan(
        bombs.write(tmp_path / "marks.pkl", bombs.mark_flood(2_000_000)), max_pickle_stack=100_000
    )
    bounded(o, seconds=10)
    flagged(o, "pickle.budget.stack")


NESTED = [bombs.nested_tuples, bombs.nested_lists, bombs.nested_dicts]
NESTED_IDS = ["tuples", "lists", "dicts"]


@pytest.mark.parametrize("builder", NESTED, ids=NESTED_IDS)
def test_containers_nested_100_000_deep(scan, tmp_path: Path, builder):
    """Plain data nested deeper than any recursion limit: analysed without error."""
    o = scan(bombs.write(tmp_path / "deep.pkl", builder(100_000)))
    bounded(o, seconds=10)


@pytest.mark.parametrize("builder", NESTED, ids=NESTED_IDS)
def test_payload_at_the_bottom_of_100_000_containers(scan, tmp_path: Path, builder):
    o = scan(bombs.write(tmp_path / "deep.pkl", builder(100_000, PAYLOAD)))
    bounded(o, seconds=10)
    assert o.verdict == "malicious", str(o)


def test_payload_under_10_000_nested_calls_is_still_found(scan, tmp_path: Path):
    o = scan(bombs.write(tmp_path / "calls.pkl", bombs.nested_calls(10_000)))
    bounded(o, seconds=10)
    assert o.verdict == "malicious", str(o)


def test_many_long_strings_are_kept_as_prefixes(scan, tmp_path: Path):
    o = scan(bombs.write(tmp_path / "strings.pkl", bombs.long_string_flood(400, 64 << 10)))
    bounded(o, seconds=10)
    assert o.scan_rss_growth_mb < 100, str(o)
