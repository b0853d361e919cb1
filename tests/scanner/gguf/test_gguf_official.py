"""Files written by the official gguf library (gguf.GGUFWriter) are clean."""

from __future__ import annotations

import io

import numpy as np
import pytest

from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.model import Severity
from weightscan.scanner.source import Source

gguf = pytest.importorskip("gguf")
Q = gguf.GGMLQuantizationType

LLAMA3_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
    " + message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
    "{% endif %}"
)


def write(tmp_path, build) -> bytes:
    path = tmp_path / "model.gguf"
    writer = gguf.GGUFWriter(str(path), "llama")
    build(writer)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path.read_bytes()


def analyse(data: bytes) -> ScanContext:
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze(Source(io.BytesIO(data)), ctx, Format.GGUF)
    assert [f for f in ctx.findings if f.severity.rank > Severity.INFO.rank] == []
    return ctx


def raw_quant(qtype, rows: int, blocks: int) -> np.ndarray:
    _, type_size = gguf.GGML_QUANT_SIZES[qtype]
    return np.zeros((rows, blocks * type_size), dtype=np.uint8)


def test_typical_model_is_clean_and_summarised(tmp_path):
    def build(w):
        w.add_name("tiny")
        w.add_context_length(8192)
        w.add_block_count(1)
        w.add_tokenizer_model("gpt2")
        w.add_token_list([f"tok{i}" for i in range(1000)])
        w.add_token_types([1] * 1000)
        w.add_token_merges(["a b", "c d"])
        w.add_chat_template(LLAMA3_TEMPLATE)
        w.add_chat_template(
            [
                {"name": "default", "template": LLAMA3_TEMPLATE},
                {"name": "tool_use", "template": LLAMA3_TEMPLATE},
            ]
        )
        w.add_array("test.nested", [[1, 2], [3.5], ["x", "y"]])
        w.add_tensor("token_embd.weight", np.zeros((16, 32), np.float32))
        w.add_tensor("f16", np.zeros((7,), np.float16))
        w.add_tensor("i8", np.zeros((3, 5), np.int8))
        w.add_tensor("f64", np.zeros((2,), np.float64))
        w.add_tensor("q8", raw_quant(Q.Q8_0, 4, 2), raw_dtype=Q.Q8_0)

    ctx = analyse(write(tmp_path, build))
    summary = ctx.state.summary["gguf"]
    assert summary["architecture"] == "llama"
    assert summary["context_length"] == 8192
    assert summary["vocab_size"] == 1000
    assert summary["tensor_types"] == {"F16": 1, "F32": 1, "F64": 1, "I8": 1, "Q8_0": 1}
    assert summary["parameters"] == 16 * 32 + 7 + 15 + 2 + 4 * 64
    assert "tokenizer.chat_template.tool_use" in summary["chat_templates"]


@pytest.mark.parametrize(
    "qtype", [q for q in Q if q in gguf.GGML_QUANT_SIZES], ids=lambda q: q.name
)
def test_every_tensor_type_is_clean(tmp_path, qtype):
    block, _ = gguf.GGML_QUANT_SIZES[qtype]
    if block == 1:
        np_type = {
            Q.F32: np.float32,
            Q.F16: np.float16,
            Q.F64: np.float64,
            Q.I8: np.int8,
            Q.I16: np.int16,
            Q.I32: np.int32,
            Q.I64: np.int64,
        }.get(qtype)
        if np_type is None:  # BF16: raw bytes
            tensor, raw = np.zeros((3, 8), np.uint8), qtype
        else:
            tensor, raw = np.zeros((3, 4), np_type), None
    else:
        tensor, raw = raw_quant(qtype, 3, 2), qtype

    def build(w):
        w.add_tensor("t", tensor, raw_dtype=raw)
        w.add_tensor("u", np.zeros((5,), np.float32))

    analyse(write(tmp_path, build))


def test_custom_alignment_is_respected(tmp_path):
    def build(w):
        w.add_custom_alignment(64)
        w.add_tensor("a", np.zeros((3,), np.float32))
        w.add_tensor("b", np.zeros((5,), np.float32))

    ctx = analyse(write(tmp_path, build))
    assert ctx.state.summary["gguf"]["alignment"] == 64


def test_malicious_template_in_official_file_is_critical(tmp_path):
    payload = "{{ cycler.__init__.__globals__.os.popen('touch /tmp/weightscan-test').read() }}"
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze(
        Source(io.BytesIO(write(tmp_path, lambda w: w.add_chat_template(payload)))),
        ctx,
        Format.GGUF,
    )
    dunder = [f for f in ctx.findings if f.rule_id == "templates.dunder-access"]
    assert dunder
    assert dunder[0].severity is Severity.CRITICAL
    data = (tmp_path / "model.gguf").read_bytes()
    at = dunder[0].location.offset
    assert data[at : at + 20] == payload.encode()[:20]


def test_real_templates_in_an_official_file_stay_clean(tmp_path):
    from pathlib import Path

    benign = Path(__file__).resolve().parents[2] / "fixtures" / "chat_templates" / "benign"
    named = [
        {"name": p.stem, "template": p.read_text(encoding="utf-8")}
        for p in sorted(benign.glob("*.jinja"))
    ]
    ctx = analyse(write(tmp_path, lambda w: w.add_chat_template(named)))
    assert len(ctx.state.summary["gguf"]["chat_templates"]) == len(named)
