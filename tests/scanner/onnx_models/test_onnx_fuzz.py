"""Mutated and arbitrary ONNX bytes: always a report in bounded time, never a crash."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.onnx_builder import data, external, helper, model, tensor
from tests.fixtures.protobuf_builder import f, msg
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.source import Source

_IF = helper.make_node(
    "If",
    ["c"],
    ["y"],
    then_branch=helper.make_graph([helper.make_node("Identity", ["w"], ["y"])], "t", [], []),
    else_branch=helper.make_graph([helper.make_node("Identity", ["w"], ["y"])], "e", [], []),
)
VALID = data(
    model(
        [tensor("w", [2, 3]), external(tensor("v", [4]), "v.bin", 0, 16)],
        nodes=[_IF, helper.make_node("X", ["w"], ["z"], domain="my.ops")],
    )
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def analyse(raw: bytes, fmt: Format | None = Format.ONNX) -> ScanContext:
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze(Source(io.BytesIO(raw)), ctx, fmt)
    assert all(f.rule_id != "scanner.internal-error" for f in ctx.findings), ctx.findings
    return ctx


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8)
)
def test_byte_mutations_of_a_valid_model(edits):
    raw = bytearray(VALID)
    for pos, value in edits:
        raw[pos] = value
    analyse(bytes(raw))
    analyse(bytes(raw), None)  # through the sniffer too


@FUZZ
@given(st.integers(0, len(VALID)), st.integers(0, len(VALID)), st.binary(max_size=32))
def test_cut_and_spliced_models(start, stop, insert):
    analyse(VALID[:start] + insert + VALID[stop:])


@FUZZ
@given(st.binary(max_size=512))
def test_arbitrary_bytes(raw):
    analyse(raw)
    analyse(b"\x08\x08" + raw, None)


def test_deeply_nested_subgraphs_stop_at_the_limit():
    # built by hand: protobuf's own writer stops at its recursion limit of 100 messages
    graph = msg(f(2, "leaf"))
    for _ in range(200):
        graph = f(1, msg(f(4, "Loop"), f(5, msg(f(1, "body"), f(6, graph)))))
    raw = msg(f(1, 8), f(7, graph))
    ctx = analyse(raw)
    assert any(f.rule_id == "limits.resource" for f in ctx.findings)
