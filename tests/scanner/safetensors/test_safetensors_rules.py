"""One test per safetensors rule, on files built byte by byte (tests/fixtures)."""

from __future__ import annotations

import io
import json

import pytest

from tests.fixtures.safetensors_builder import (
    PICKLE_PAYLOAD,
    SCRIPT_PAYLOAD,
    ZIP_PAYLOAD,
    contiguous,
    make_safetensors,
    tensor,
    valid_file,
)
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.limits import DEFAULT_LIMITS, ScanLimits
from weightscan.scanner.model import Severity
from weightscan.scanner.source import Source


def run(data: bytes, limits: ScanLimits = DEFAULT_LIMITS) -> ScanContext:
    ctx = ScanContext.for_file(limits)
    analyze(Source(io.BytesIO(data)), ctx, Format.SAFETENSORS)
    return ctx


def rule_ids(data: bytes, limits: ScanLimits = DEFAULT_LIMITS) -> set[str]:
    return {f.rule_id for f in run(data, limits).findings}


def test_valid_file_is_clean_and_summarised():
    ctx = run(valid_file({"format": "pt"}))
    assert ctx.findings == []
    summary = ctx.state.summary["safetensors"]
    assert summary == {
        "tensors": 2,
        "parameters": 9,
        "dtypes": {"F16": 1, "F32": 1},
        "header_bytes": summary["header_bytes"],
        "data_bytes": 30,
        "metadata_keys": ["format"],
    }


HEADER, DATA = contiguous([("w", "F32", [2, 3]), ("b", "F16", [3])])
BROKEN: dict[str, bytes] = {
    "header-length-short-file": b"\x05\x00\x00",
    "header-length-too-small": make_safetensors("{", declared_len=1),
    "header-length-past-eof": make_safetensors(HEADER, DATA, declared_len=10_000),
    "not-utf8": make_safetensors(b'{"w\xff\xfe":{}}'),
    "not-json-array": make_safetensors("[1, 2]"),
    "not-json-truncated": make_safetensors('{"w": {"dtype": '),
    "not-json-nan": make_safetensors('{"__metadata__": {"a": NaN}}'),
    "duplicate-key": make_safetensors(
        '{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
        '"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}',
        b"\x00",
    ),
    "padding-nul": make_safetensors(HEADER, DATA, padding=b"\x00\x00\x00"),
    "metadata-not-strings": make_safetensors({"__metadata__": {"n": 1}}),
    "metadata-not-object": make_safetensors({"__metadata__": ["a"]}),
    "tensor-missing-field": make_safetensors({"w": {"dtype": "U8", "shape": [1]}}, b"\x00"),
    "tensor-extra-field": make_safetensors({"w": {**tensor("U8", [1], 0, 1), "extra": 1}}, b"\x00"),
    "tensor-not-object": make_safetensors({"w": [1, 2]}),
    "unknown-dtype": make_safetensors({"w": tensor("Q4", [1], 0, 1)}, b"\x00"),
    "negative-dim": make_safetensors({"w": tensor("U8", [-1], 0, 1)}, b"\x00"),
    "float-dim": make_safetensors({"w": tensor("U8", [1.5], 0, 1)}, b"\x00"),
    "size-mismatch": make_safetensors({"w": tensor("F32", [2], 0, 4)}, bytes(4)),
    "sub-byte-misaligned": make_safetensors({"w": tensor("F4", [3], 0, 2)}, bytes(2)),
    "overflow": make_safetensors({"w": tensor("F32", [2**40, 2**40], 0, 4)}, bytes(4)),
    "offsets-inverted": make_safetensors({"w": tensor("U8", [0], 5, 2)}),
    "offsets-not-pair": make_safetensors(
        {"w": {"dtype": "U8", "shape": [1], "data_offsets": [0]}}, b"\x00"
    ),
    "offsets-overlap": make_safetensors(
        {"a": tensor("U8", [4], 0, 4), "b": tensor("U8", [4], 2, 6)}, bytes(6)
    ),
    "hole": make_safetensors(
        {"a": tensor("U8", [4], 0, 4), "b": tensor("U8", [4], 8, 12)}, bytes(12)
    ),
    "not-from-zero": make_safetensors({"a": tensor("U8", [4], 4, 8)}, bytes(8)),
    "trailing": make_safetensors(HEADER, DATA + b"\x01\x02"),
    "truncated": make_safetensors(HEADER, DATA[:-4]),
}
EXPECTED: dict[str, str] = {
    "header-length-short-file": "safetensors.header.length",
    "header-length-too-small": "safetensors.header.length",
    "header-length-past-eof": "safetensors.header.length",
    "not-utf8": "safetensors.header.not-utf8",
    "not-json-array": "safetensors.header.not-json",
    "not-json-truncated": "safetensors.header.not-json",
    "not-json-nan": "safetensors.header.not-json",
    "duplicate-key": "safetensors.header.duplicate-key",
    "padding-nul": "safetensors.header.padding",
    "metadata-not-strings": "safetensors.metadata.invalid",
    "metadata-not-object": "safetensors.metadata.invalid",
    "tensor-missing-field": "safetensors.tensor.invalid",
    "tensor-extra-field": "safetensors.tensor.invalid",
    "tensor-not-object": "safetensors.tensor.invalid",
    "unknown-dtype": "safetensors.tensor.dtype",
    "negative-dim": "safetensors.tensor.shape",
    "float-dim": "safetensors.tensor.shape",
    "size-mismatch": "safetensors.tensor.size",
    "sub-byte-misaligned": "safetensors.tensor.size",
    "overflow": "safetensors.tensor.overflow",
    "offsets-inverted": "safetensors.offsets.invalid",
    "offsets-not-pair": "safetensors.offsets.invalid",
    "offsets-overlap": "safetensors.offsets.overlap",
    "hole": "safetensors.data.hidden",
    "not-from-zero": "safetensors.data.hidden",
    "trailing": "safetensors.data.hidden",
    "truncated": "safetensors.data.truncated",
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_malformation_is_flagged(case):
    ctx = run(BROKEN[case])
    ids = {f.rule_id for f in ctx.findings}
    assert EXPECTED[case] in ids, ids
    assert all(f.severity.rank >= Severity.MEDIUM.rank for f in ctx.findings)
    assert "scanner.internal-error" not in ids


def test_header_above_the_cap_is_not_read():
    data = valid_file()
    ids = rule_ids(data, DEFAULT_LIMITS.replace(max_safetensors_header=16))
    assert ids == {"safetensors.header.too-large"}


@pytest.mark.parametrize(
    ("payload", "kind"),
    [(PICKLE_PAYLOAD, "pickle"), (ZIP_PAYLOAD, "zip"), (SCRIPT_PAYLOAD, "script")],
)
def test_payload_in_trailing_data_is_high(payload, kind):
    ctx = run(make_safetensors(HEADER, DATA + payload))
    payload_findings = [f for f in ctx.findings if f.rule_id == "safetensors.hidden.payload"]
    assert payload_findings
    assert payload_findings[0].severity is Severity.HIGH
    assert payload_findings[0].evidence["contents"] == kind


def test_payload_in_a_hole_is_high():
    header = {
        "a": tensor("U8", [4], 0, 4),
        "b": tensor("U8", [4], 4 + len(PICKLE_PAYLOAD), 8 + len(PICKLE_PAYLOAD)),
    }
    ctx = run(make_safetensors(header, bytes(4) + PICKLE_PAYLOAD + bytes(4)))
    hidden = [f for f in ctx.findings if f.rule_id == "safetensors.data.hidden"]
    assert hidden[0].evidence["contents"] == "pickle"
    assert any(f.rule_id == "safetensors.hidden.payload" for f in ctx.findings)


def test_payload_in_header_padding_is_high():
    ctx = run(make_safetensors(HEADER, DATA, padding=b"  " + SCRIPT_PAYLOAD))
    ids = {f.rule_id for f in ctx.findings}
    assert {"safetensors.header.padding", "safetensors.hidden.payload"} <= ids


def test_binary_after_the_json_is_padding_not_encoding():
    ctx = run(make_safetensors(HEADER, DATA, padding=b" " + PICKLE_PAYLOAD))
    ids = {f.rule_id for f in ctx.findings}
    assert "safetensors.header.not-utf8" not in ids
    assert {"safetensors.header.padding", "safetensors.hidden.payload"} <= ids


def test_header_with_too_many_json_values_is_not_decoded(monkeypatch):
    from weightscan.scanner.safetensors import analyzer

    monkeypatch.setattr(analyzer, "MAX_JSON_VALUES", 100)
    data = make_safetensors('{"a": [' + ",".join(["0"] * 500) + "]}")
    assert rule_ids(data) == {"limits.resource"}


def test_space_padding_is_fine():
    assert rule_ids(make_safetensors(HEADER, DATA, padding=b"        ")) == set()


def test_zero_sized_and_empty_files_are_fine():
    assert rule_ids(make_safetensors({})) == set()
    assert rule_ids(make_safetensors({"e": tensor("F32", [0, 3], 0, 0)})) == set()


def test_every_dtype_is_known():
    for dtype, bits in (("F4", 4), ("F6_E2M3", 6), ("F8_E8M0", 8), ("C64", 64)):
        n = 8 * bits // 8
        assert rule_ids(make_safetensors({"t": tensor(dtype, [8], 0, n)}, bytes(n))) == set()


def test_per_tensor_findings_are_bounded():
    header = {f"t{i}": tensor("Q9", [1], i, i + 1) for i in range(500)}
    ctx = run(make_safetensors(header, bytes(500)))
    assert len(ctx.findings) <= 60


def test_excerpts_are_small():
    ctx = run(make_safetensors("[" + "1," * 10_000 + "1]"))
    assert len(json.dumps([f.to_dict() for f in ctx.findings])) < 2000


def test_deeply_nested_header_is_not_json():
    data = make_safetensors('{"a":' + "[" * 100_000 + "]" * 100_000 + "}")
    assert rule_ids(data) == {"safetensors.header.not-json"}


class CountingFile(io.FileIO):
    bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        CountingFile.bytes_read += len(data)
        return data


def test_a_2gb_file_is_validated_from_its_header_alone(tmp_path):
    from weightscan.scanner import scan_fileobj

    path = tmp_path / "big.safetensors"
    header, pos = {}, 0
    for i in range(8):
        size = 8192 * 8192 * 4
        header[f"w{i}"] = tensor("F32", [8192, 8192], pos, pos + size)
        pos += size
    data = make_safetensors(header)
    with path.open("wb") as f:
        f.write(data)
        f.truncate(len(data) + pos)  # sparse
    with CountingFile(path, "rb") as f:
        report = scan_fileobj(f, name=str(path))
    assert report.verdict.value == "clean"
    assert report.format == "safetensors"
    assert CountingFile.bytes_read < 64 * 1024
