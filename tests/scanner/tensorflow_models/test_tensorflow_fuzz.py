"""Mutated SavedModels and GraphDefs: always a report, never a crash."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.tensorflow_builder import benign_graph, node, s_attr, saved_model
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.source import Source

VALID = saved_model(
    benign_graph(node("p", "PrintV2", s_attr("output_stream", "stderr"))), assets=("vocab.txt",)
)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def analyse(raw: bytes, fmt: Format | None) -> None:
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze(Source(io.BytesIO(raw)), ctx, fmt)
    assert all(f.rule_id != "scanner.internal-error" for f in ctx.findings), ctx.findings


@FUZZ
@given(
    st.lists(
        st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8
    ),
    st.sampled_from([None, Format.TF_SAVED_MODEL, Format.TF_GRAPHDEF]),
)
def test_byte_mutations(edits, fmt):
    raw = bytearray(VALID)
    for pos, value in edits:
        raw[pos] = value
    analyse(bytes(raw), fmt)


@FUZZ
@given(
    st.binary(max_size=256),
    st.sampled_from([Format.TF_SAVED_MODEL, Format.TF_GRAPHDEF, Format.TF_CHECKPOINT_INDEX]),
)
def test_arbitrary_bytes(raw, fmt):
    analyse(raw, fmt)
