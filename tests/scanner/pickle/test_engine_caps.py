"""Every early stop of the pickle analysis leaves a finding that says what was not looked
at, so a file analysed only in part is never clean (one test per cap)."""

from __future__ import annotations

import io
import time

import pytest

from tests.fixtures.pickles import benign_list, call4, ops, os_system, pickle2
from tests.scanner.pickle.helpers import finding, no_internal_error, rules, scan
from weightscan.scanner import ScanLimits, Verdict
from weightscan.scanner.pickle import engine as engine_module

PAYLOAD = ops.POP + call4("os", "system", "touch /tmp/weightscan-cap") + ops.STOP


def _not_clean(report, rule: str):
    no_internal_error(report)
    assert rule in rules(report), [f.to_dict() for f in report.findings]
    assert report.verdict is not Verdict.CLEAN
    return report


def test_opcode_budget_stops_with_a_finding():
    _not_clean(
        scan(benign_list(20_000) + PAYLOAD, limits=ScanLimits(max_pickle_opcodes=5_000)),
        "pickle.budget.opcodes",
    )


def test_stack_budget_stops_with_a_finding():
    data = ops.proto(4) + ops.MARK + ops.NONE * 50_000 + ops.TUPLE + PAYLOAD
    _not_clean(scan(data, limits=ScanLimits(max_pickle_stack=1000)), "pickle.budget.stack")


def test_memo_budget_read_of_a_dropped_slot():
    data = (
        benign_list(3000)
        + ops.POP
        + ops.SHORT_BINUNICODE("os")
        + ops.BINPUT(250)
        + ops.POP
        + ops.BINGET(250)
        + ops.POP
        + ops.NONE
        + ops.STOP
    )
    _not_clean(scan(data, limits=ScanLimits(max_pickle_memo=100)), "pickle.budget.memo")


def test_memo_budget_with_sparse_slots_loses_the_memoize_numbering():
    # Past the budget plain strings are not kept, so the memo's size (which numbers the
    # next MEMOIZE) is no longer known once a PUT skips slots: say so.
    data = (
        benign_list(300)
        + ops.POP
        + ops.NONE
        + b"r"
        + (700).to_bytes(4, "little")
        + ops.POP
        + ops.SHORT_BINUNICODE("os")
        + ops.MEMOIZE
        + ops.POP
        + ops.NONE
        + ops.STOP
    )
    _not_clean(scan(data, limits=ScanLimits(max_pickle_memo=100)), "pickle.budget.memo")


def test_distinct_import_budget_still_reports_denied_imports(monkeypatch):
    monkeypatch.setattr(engine_module, "_MAX_SITES", 50)
    body = b"".join(ops.GLOBAL("somepkg", f"Thing{i}") + ops.POP for i in range(60))
    report = scan(
        pickle2(
            body
            + ops.GLOBAL("os", "system")
            + ops.SHORT_BINUNICODE("echo")
            + ops.TUPLE1
            + ops.REDUCE
        )
    )
    _not_clean(report, "pickle.budget.imports")
    assert finding(report, "pickle.import.malicious", module="os", name="system")
    assert report.verdict is Verdict.MALICIOUS


def test_time_budget_on_a_padded_payload_is_a_finding_not_clean():
    data = benign_list(2_000_000) + PAYLOAD  # ~25 MB of benign strings, then the payload
    report = scan(data, limits=ScanLimits(max_seconds=0.01))
    _not_clean(report, "limits.time")


def test_time_budget_is_checked_inside_one_long_text_line():
    from weightscan.scanner.context import ScanContext
    from weightscan.scanner.errors import LimitExceeded
    from weightscan.scanner.pickle.analyzer import analyze_pickle_file
    from weightscan.scanner.source import Source

    data = b"V" + b"a" * (8 << 20) + b"\n" + ops.POP + ops.NONE + ops.STOP
    ctx = ScanContext.for_file(ScanLimits())
    ctx.state.deadline = time.monotonic() - 1
    with pytest.raises(LimitExceeded):
        analyze_pickle_file(Source(io.BytesIO(data)), ctx)


def test_findings_cap_leaves_a_finding_and_keeps_the_worst():
    body = b"".join(ops.GLOBAL("somepkg", f"Thing{i}") + ops.POP for i in range(40))
    report = scan(pickle2(body + ops.NONE) + os_system(), limits=ScanLimits(max_findings=5))
    assert "limits.findings" in rules(report)
    assert report.verdict is Verdict.MALICIOUS


def test_object_array_wrappers_inside_an_object_array_pickle_are_plain_objects():
    # joblib reads an object array's pickle with a plain unpickler: wrappers in it read
    # nothing, so a stack of them nests no deeper (the STOPs left over are trailing data)
    from tests.scanner.pickle.test_joblib_arrays import dtype, state, wrapper

    obj = dtype("O8", (3, "|", None, None, None, -1, -1, 63))
    level = ops.proto(2) + wrapper(state(dt=obj))
    assert scan(level * 5 + ops.NONE + ops.STOP * 2, "m.joblib").verdict is Verdict.CLEAN
    _not_clean(scan(level * 5 + ops.NONE + ops.STOP * 6, "m.joblib"), "pickle.stream.malformed")


def test_truncated_string_operand_of_stack_global_cannot_be_named():
    data = (
        ops.proto(4)
        + ops.BINUNICODE("os" + "." * 5000)
        + ops.SHORT_BINUNICODE("system")
        + ops.STACK_GLOBAL
        + ops.STOP
    )
    _not_clean(scan(data), "pickle.import.malformed")
