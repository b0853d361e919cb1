"""Arbitrary and mutated bytes: always a report in bounded time, never a traceback."""

from __future__ import annotations

import io
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.gguf_builder import small_model
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.source import Source

VALID = small_model().kv("tokenizer.chat_template", 8, "{{ messages[0]['content'] }}").build()
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def analyse(data: bytes) -> ScanContext:
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze(Source(io.BytesIO(data)), ctx, Format.GGUF)
    assert all(f.rule_id != "scanner.internal-error" for f in ctx.findings), ctx.findings
    return ctx


@FUZZ
@given(st.binary(max_size=512))
def test_arbitrary_bytes_after_the_magic(body):
    analyse(b"GGUF" + body)


@FUZZ
@given(
    st.sampled_from([1, 2, 3]),
    st.integers(0, 2**64 - 1),
    st.integers(0, 2**64 - 1),
    st.binary(max_size=256),
)
def test_arbitrary_counts(version, tensors, kvs, body):
    width = "I" if version == 1 else "Q"
    head = b"GGUF" + struct.pack("<I", version)
    head += struct.pack(
        "<" + width * 2,
        tensors % (1 << (32 if version == 1 else 64)),
        kvs % (1 << (32 if version == 1 else 64)),
    )
    analyse(head + body)


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8)
)
def test_mutated_valid_file(mutations):
    data = bytearray(VALID)
    for pos, value in mutations:
        data[pos] = value
    analyse(bytes(data))


@FUZZ
@given(st.integers(0, len(VALID) - 1))
def test_every_truncation(cut):
    ctx = analyse(VALID[:cut])
    assert ctx.findings, "a truncated file is never clean"
