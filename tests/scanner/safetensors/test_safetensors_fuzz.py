"""Arbitrary and mutated bytes: always a report, never a traceback (hypothesis)."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.safetensors_builder import valid_file
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.source import Source

VALID = valid_file({"format": "pt"})
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def analyse(data: bytes) -> ScanContext:
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze(Source(io.BytesIO(data)), ctx, Format.SAFETENSORS)
    assert all(f.rule_id != "scanner.internal-error" for f in ctx.findings), ctx.findings
    return ctx


@FUZZ
@given(st.binary(max_size=512))
def test_arbitrary_bytes(data):
    analyse(data)


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_header_behind_a_true_length(header):
    analyse(len(header).to_bytes(8, "little") + header)


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8)
)
def test_mutated_valid_file(mutations):
    data = bytearray(VALID)
    for pos, value in mutations:
        data[pos] = value
    ctx = analyse(bytes(data))
    if bytes(data) != VALID:
        # any change to a strict format is either harmless (a digit in a zero tensor,
        # a metadata letter) or reported; it is never an exception
        assert isinstance(ctx.findings, list)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
        ),
        max_leaves=8,
    )
)
def test_arbitrary_json_header(value):
    import json

    raw = json.dumps({"t": value, "__metadata__": value}).encode()
    analyse(len(raw).to_bytes(8, "little") + raw)
