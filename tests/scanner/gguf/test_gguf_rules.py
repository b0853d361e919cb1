"""One test per GGUF rule, on files built field by field (tests/fixtures/gguf_builder.py)."""

from __future__ import annotations

import io
import struct

import pytest

from tests.fixtures.gguf_builder import (
    ARRAY,
    F32,
    I32,
    STRING,
    U8,
    U32,
    U64,
    GGUFBuilder,
    small_model,
)
from tests.fixtures.safetensors_builder import PICKLE_PAYLOAD, SCRIPT_PAYLOAD, ZIP_PAYLOAD
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.limits import DEFAULT_LIMITS, ScanLimits
from weightscan.scanner.model import Severity
from weightscan.scanner.source import Source


def run(data: bytes, limits: ScanLimits = DEFAULT_LIMITS) -> ScanContext:
    ctx = ScanContext.for_file(limits)
    analyze(Source(io.BytesIO(data)), ctx, Format.GGUF)
    return ctx


def ids(data: bytes, limits: ScanLimits = DEFAULT_LIMITS) -> set[str]:
    return {f.rule_id for f in run(data, limits).findings}


@pytest.mark.parametrize(
    ("version", "big_endian"), [(1, False), (2, False), (3, False), (3, True), (2, True)]
)
def test_valid_files_of_every_version_and_byte_order(version, big_endian):
    ctx = run(small_model(version, big_endian).build())
    assert ctx.findings == []
    summary = ctx.state.summary["gguf"]
    assert summary["version"] == version
    assert summary["architecture"] == "llama"
    assert summary["context_length"] == 2048
    assert summary["vocab_size"] == 4
    assert summary["parameters"] == 64 * 4 + 256 * 2
    assert summary["tensor_types"] == {"F32": 1, "Q4_K": 1}


def _lying_string_kv() -> bytes:
    b = small_model()
    return b.raw_kv(b.string("k") + struct.pack("<I", STRING) + b.count(1 << 40)).build()


def _lying_array_kv() -> bytes:
    b = small_model()
    return b.raw_kv(b.string("k") + struct.pack("<II", ARRAY, U32) + b.count(1 << 40)).build()


def _lying_key() -> bytes:
    b = small_model()
    return b.raw_kv(b.count(1 << 50) + b"k").build()


def _lying_vocab_string() -> bytes:
    b = small_model()
    bad = b.string("tokenizer.ggml.merges") + struct.pack("<II", ARRAY, STRING) + b.count(2)
    bad += b.string("ok") + b.count(1 << 33) + b"x"
    return b.raw_kv(bad).build()


def _invalid_utf8_key() -> bytes:
    b = small_model()
    return b.raw_kv(b.string(b"k\xff") + struct.pack("<IB", U8, 1)).build()


def _too_many_dims() -> bytes:
    b = small_model()
    b.tensor("t5", [32, 2, 2, 2, 2], "F32")
    return b.build()


def _dims_overflow() -> bytes:
    b = small_model()
    b.tensor("huge", [1 << 40, 1 << 40], "F32", nbytes=4)
    return b.build()


def _unknown_value_type() -> bytes:
    b = small_model()
    return b.raw_kv(b.string("k") + struct.pack("<I", 99) + b"\x00" * 8).build()


def _unknown_array_type() -> bytes:
    b = small_model()
    return b.raw_kv(b.string("k") + struct.pack("<II", ARRAY, 77) + b.count(1) + b"\0").build()


def _deep_arrays() -> bytes:
    b = small_model()
    value: tuple[int, list] = (I32, [1])
    for _ in range(12):
        value = (ARRAY, [value])
    return b.kv("deep", ARRAY, value).build()


def _unknown_tensor_type() -> bytes:
    b = small_model()
    b.tensor("weird", [32], "F32")
    b.tensors[-1].type_id = 5  # Q4_2: removed from ggml
    return b.build()


def _not_whole_blocks() -> bytes:
    b = small_model()
    b.tensor("q", [33, 2], "Q8_0", nbytes=68)
    return b.build()


def _long_name() -> bytes:
    return small_model().tensor("n" * 80, [4], "F32").build()


def _misaligned() -> bytes:
    b = small_model()
    last = b.tensors[-1]
    b.tensor("odd", [4], "F32", offset=last.offset + last.nbytes + 4)
    return b.build()


def _overlap() -> bytes:
    b = small_model()
    b.tensor("alias", [64, 4], "F32", offset=0)
    return b.build()


def _past_eof() -> bytes:
    b = small_model()
    data_end = b.tensors[-1].offset + b.tensors[-1].nbytes
    b.tensor("beyond", [1024], "F32", offset=data_end + 96)
    return b.build(data=bytes(data_end))


def _hole() -> bytes:
    b = small_model()
    last = b.tensors[-1]
    b.tensor("far", [8], "F32", offset=last.offset + last.nbytes + 4096)
    return b.build()


BROKEN = {
    "bad-magic": (b"GGUG" + bytes(40), "gguf.header.invalid"),
    "bad-version": (b"GGUF" + struct.pack("<I", 7) + bytes(32), "gguf.header.invalid"),
    "short": (b"GGU", "gguf.header.invalid"),
    "kv-count-overflow": (small_model().build(kv_count=1 << 62), "gguf.count.overflow"),
    "tensor-count-overflow": (small_model().build(tensor_count=1 << 40), "gguf.count.overflow"),
    "string-length-overflow": (_lying_string_kv(), "gguf.length.overflow"),
    "array-length-overflow": (_lying_array_kv(), "gguf.length.overflow"),
    "key-length-overflow": (_lying_key(), "gguf.length.overflow"),
    "vocab-string-overflow": (_lying_vocab_string(), "gguf.length.overflow"),
    "unknown-value-type": (_unknown_value_type(), "gguf.kv.invalid"),
    "unknown-array-type": (_unknown_array_type(), "gguf.kv.invalid"),
    "arrays-too-deep": (_deep_arrays(), "gguf.kv.invalid"),
    "invalid-utf8-key": (_invalid_utf8_key(), "gguf.kv.invalid"),
    "template-not-string": (
        small_model().kv("tokenizer.chat_template", U32, 1).build(),
        "gguf.kv.invalid",
    ),
    "duplicate-key": (
        small_model().kv("general.architecture", STRING, "x").build(),
        "gguf.kv.duplicate",
    ),
    "alignment-not-power-of-two": (
        small_model().kv("general.alignment", U32, 24).build(),
        "gguf.alignment.invalid",
    ),
    "alignment-wrong-type": (
        small_model().kv("general.alignment", U64, 32).build(),
        "gguf.alignment.invalid",
    ),
    "too-many-dims": (_too_many_dims(), "gguf.tensor.dims"),
    "dims-overflow": (_dims_overflow(), "gguf.tensor.dims"),
    "unknown-tensor-type": (_unknown_tensor_type(), "gguf.tensor.invalid"),
    "not-whole-blocks": (_not_whole_blocks(), "gguf.tensor.invalid"),
    "long-name": (_long_name(), "gguf.tensor.invalid"),
    "duplicate-tensor": (
        small_model().tensor("tok_embd.weight", [4], "F32").build(),
        "gguf.tensor.duplicate",
    ),
    "misaligned": (_misaligned(), "gguf.tensor.offset"),
    "overlap": (_overlap(), "gguf.tensor.offset"),
    "past-eof": (_past_eof(), "gguf.tensor.offset"),
    "hole": (_hole(), "gguf.data.hidden"),
    "trailing": (small_model().build(trailing=b"\x01" * 100), "gguf.data.hidden"),
    "truncated-header": (small_model().build()[:60], "gguf.count.overflow"),
    "truncated-in-kv": (small_model().build()[:90], None),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_malformation_is_flagged(case):
    data, expected = BROKEN[case]
    ctx = run(data)
    found = {f.rule_id for f in ctx.findings}
    assert "scanner.internal-error" not in found
    if expected is not None:
        assert expected in found, found
    assert found, "a malformed file must not be clean"
    assert all(f.severity.rank >= Severity.MEDIUM.rank for f in ctx.findings)


@pytest.mark.parametrize(
    "case", ["kv-count-overflow", "string-length-overflow", "too-many-dims", "dims-overflow"]
)
def test_talos_overflow_classes_are_high(case):
    ctx = run(BROKEN[case][0])
    assert max(f.severity.rank for f in ctx.findings) >= Severity.HIGH.rank


def test_a_truncated_file_is_medium_not_an_exploit():
    ctx = run(BROKEN["truncated-header"][0])
    assert {f.severity for f in ctx.findings} == {Severity.MEDIUM}


@pytest.mark.parametrize(
    ("payload", "kind"),
    [(PICKLE_PAYLOAD, "pickle"), (ZIP_PAYLOAD, "zip"), (SCRIPT_PAYLOAD, "script")],
)
def test_payload_in_trailing_bytes_is_high(payload, kind):
    ctx = run(small_model().build(trailing=payload))
    hits = [f for f in ctx.findings if f.rule_id == "gguf.hidden.payload"]
    assert hits
    assert hits[0].severity is Severity.HIGH
    assert hits[0].evidence["contents"] == kind


def test_counts_within_the_file_but_above_the_caps_are_limits():
    data = small_model().build()
    found = ids(data, DEFAULT_LIMITS.replace(max_gguf_kv=2))
    assert found == {"limits.resource"}
    found = ids(data, DEFAULT_LIMITS.replace(max_gguf_array=2))
    assert found == {"limits.resource"}
    found = ids(data, DEFAULT_LIMITS.replace(max_gguf_string=1))
    assert "limits.resource" in found
    assert "scanner.internal-error" not in found


def test_nested_arrays_are_walked():
    b = small_model().kv("nested", ARRAY, (ARRAY, [(F32, [1.0, 2.0]), (STRING, ["a", "bc"])]))
    assert ids(b.build()) == set()


def test_all_scalar_value_types():
    b = small_model()
    for vtype, value in (
        (0, 1),
        (1, -1),
        (2, 2),
        (3, -2),
        (4, 3),
        (5, -3),
        (6, 1.5),
        (7, True),
        (10, 4),
        (11, -4),
        (12, 2.5),
    ):
        b.kv(f"v{vtype}", vtype, value)
    assert ids(b.build()) == set()


def test_zero_tensor_file_is_clean():
    b = GGUFBuilder().kv("general.architecture", STRING, "llama")
    assert ids(b.build()) == set()


def test_repeated_findings_are_bounded():
    b = small_model()
    for i in range(300):
        b.tensor(f"bad{i}", [33], "Q8_0", nbytes=34)
    assert len(run(b.build()).findings) <= 60


def test_template_bytes_per_file_are_budgeted():
    b = small_model()
    template = "{{ messages[0]['content'] }}" + " " * 60
    for i in range(6):
        b.kv(f"tokenizer.chat_template.t{i}", STRING, template)
    ctx = run(b.build(), DEFAULT_LIMITS.replace(max_template_bytes=100))
    assert {f.rule_id for f in ctx.findings} == {"templates.oversized"}
    assert ctx.state.summary["gguf"]["chat_templates"][-1] == "tokenizer.chat_template.t5"


def test_payload_in_alignment_padding_is_found():
    b = small_model(alignment=4096)
    data = bytearray(b.build())
    first = b.tensors[0]
    data_start = len(data) - _data_len(b)
    pad = data_start + first.offset + first.nbytes
    data[pad : pad + len(PICKLE_PAYLOAD)] = PICKLE_PAYLOAD
    found = ids(bytes(data))
    assert {"gguf.data.hidden", "gguf.hidden.payload"} <= found


def test_zero_padding_with_a_large_alignment_is_fine():
    b = small_model(alignment=4096)
    assert ids(b.build()) == set()


def _data_len(b: GGUFBuilder) -> int:
    return max(-(-(t.offset + t.nbytes) // b.alignment) * b.alignment for t in b.tensors)
