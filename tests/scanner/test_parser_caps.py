"""Every cap or early stop in the safetensors and GGUF validators leaves a finding that
says what was not analysed (root cause 8): nothing is skipped silently."""

from __future__ import annotations

import io

from tests.fixtures.gguf_builder import STRING, GGUFBuilder, small_model
from tests.fixtures.safetensors_builder import PICKLE_PAYLOAD, valid_file
from weightscan.scanner import hidden_bytes
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.gguf import analyzer as gguf_analyzer
from weightscan.scanner.limits import DEFAULT_LIMITS, ScanLimits
from weightscan.scanner.model import Severity
from weightscan.scanner.safetensors import metadata_values
from weightscan.scanner.source import Source

NOT_LOOKED_AT = (
    "not analysed",
    "not inspected",
    "not checked",
    "not read",
    "not decoded",
    "not listed",
    "not walked",
)


def _scan(data: bytes, fmt: Format, limits: ScanLimits = DEFAULT_LIMITS) -> ScanContext:
    ctx = ScanContext.for_file(limits)
    analyze(Source(io.BytesIO(data)), ctx, fmt)
    return ctx


def _says_what_was_skipped(ctx: ScanContext) -> list[str]:
    return [
        f.message
        for f in ctx.findings
        if f.severity.rank >= Severity.MEDIUM.rank
        and any(words in f.message for words in NOT_LOOKED_AT)
    ]


def test_kv_count_above_the_cap_says_the_rest_was_not_analysed():
    ctx = _scan(small_model().build(), Format.GGUF, DEFAULT_LIMITS.replace(max_gguf_kv=2))
    assert _says_what_was_skipped(ctx)


def test_tensor_count_above_the_cap_says_the_rest_was_not_analysed():
    ctx = _scan(small_model().build(), Format.GGUF, DEFAULT_LIMITS.replace(max_gguf_tensors=1))
    assert _says_what_was_skipped(ctx)


def test_string_array_above_the_cap_says_the_rest_was_not_analysed():
    ctx = _scan(small_model().build(), Format.GGUF, DEFAULT_LIMITS.replace(max_gguf_array=2))
    assert _says_what_was_skipped(ctx)


def test_string_above_the_cap_says_it_was_not_inspected():
    b = small_model().kv("general.description", STRING, "x" * 100)
    ctx = _scan(b.build(), Format.GGUF, DEFAULT_LIMITS.replace(max_gguf_string=50))
    assert _says_what_was_skipped(ctx)


def test_string_longer_than_the_inspection_window_says_so(monkeypatch):
    monkeypatch.setattr(hidden_bytes, "NESTED_ANALYSIS_BYTES", 64)
    b = small_model().kv("general.description", STRING, "y" * 200)
    ctx = _scan(b.build(), Format.GGUF)
    assert _says_what_was_skipped(ctx)


def test_findings_beyond_the_per_rule_bound_are_counted():
    b = small_model()
    for i in range(300):
        b.tensor(f"bad{i}", [33], "Q8_0", nbytes=34)
    ctx = _scan(b.build(), Format.GGUF)
    assert any("more" in m and "not listed" in m for m in _says_what_was_skipped(ctx))


def test_padding_checks_beyond_the_cap_say_so(monkeypatch):
    monkeypatch.setattr(gguf_analyzer, "_MAX_PADDING_CHECKS", 1)
    b = small_model(alignment=64)
    ctx = _scan(b.build(), Format.GGUF)
    assert _says_what_was_skipped(ctx)


def test_payload_after_64k_of_zero_padding_is_found():
    alignment = 1 << 20
    b = GGUFBuilder(alignment=alignment)
    b.kv("general.architecture", STRING, "llama").kv("general.alignment", 4, alignment)
    b.tensor("a", [8], "F32").tensor("b", [8], "F32", offset=alignment)
    data = bytearray(b.build())
    data_start = len(data) - 2 * alignment
    spot = data_start + 32 + 200_000  # inside the padding after tensor a, past the first 64 KiB
    data[spot : spot + len(PICKLE_PAYLOAD)] = PICKLE_PAYLOAD
    ctx = _scan(bytes(data), Format.GGUF)
    assert "gguf.data.hidden" in {f.rule_id for f in ctx.findings}


def test_zero_padding_of_a_large_alignment_stays_clean():
    alignment = 1 << 20
    b = GGUFBuilder(alignment=alignment)
    b.kv("general.architecture", STRING, "llama").kv("general.alignment", 4, alignment)
    b.tensor("a", [8], "F32").tensor("b", [8], "F32", offset=alignment)
    assert _scan(b.build(), Format.GGUF).findings == []


def test_large_metadata_source_is_not_skipped(monkeypatch):
    monkeypatch.setattr(metadata_values, "MAX_SOURCE_CHARS", 100)
    code = "import os\n" + "x = 1\n" * 100 + "os.system('echo hi')\n"
    ctx = _scan(valid_file({"code": code}), Format.SAFETENSORS)
    assert _says_what_was_skipped(ctx)


def test_safetensors_header_above_the_cap_says_it_was_not_read():
    ctx = _scan(valid_file(), Format.SAFETENSORS, DEFAULT_LIMITS.replace(max_safetensors_header=8))
    assert _says_what_was_skipped(ctx)
