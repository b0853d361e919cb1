"""Safetensors and GGUF through the public API and `weightscan scan` (JSON and SARIF)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from safetensors.numpy import save as save_safetensors

from tests.fixtures.gguf_builder import STRING, small_model
from tests.fixtures.safetensors_builder import PICKLE_PAYLOAD, make_safetensors
from weightscan.cli import main
from weightscan.scanner import Verdict, scan_stream

PAYLOAD = "{{ cycler.__init__.__globals__.os.popen('touch /tmp/weightscan-test').read() }}"


def official_safetensors() -> bytes:
    return save_safetensors({"w": np.ones((4, 4), np.float32)}, metadata={"format": "np"})


def test_official_safetensors_is_clean():
    report = scan_stream(io.BytesIO(official_safetensors()), name="model.safetensors")
    (file,) = report.files
    assert file.format == "safetensors"
    assert file.verdict is Verdict.CLEAN
    assert file.summary["safetensors"]["parameters"] == 16


def test_safetensors_with_a_trailing_pickle_is_malicious():
    data = official_safetensors() + PICKLE_PAYLOAD
    (file,) = scan_stream(io.BytesIO(data), name="model.safetensors").files
    assert file.verdict is Verdict.MALICIOUS
    rules = {f.rule_id for f in file.findings}
    assert {"safetensors.data.hidden", "safetensors.hidden.payload"} <= rules


def test_safetensors_with_a_broken_header_is_suspicious():
    data = make_safetensors({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, bytes(4))
    (file,) = scan_stream(io.BytesIO(data), name="model.safetensors").files
    assert file.verdict is Verdict.SUSPICIOUS


def test_builder_gguf_is_clean_and_summarised():
    (file,) = scan_stream(io.BytesIO(small_model().build()), name="m.gguf").files
    assert file.format == "gguf"
    assert file.verdict is Verdict.CLEAN
    assert file.summary["gguf"]["architecture"] == "llama"


def test_gguf_with_an_ssti_template_is_malicious():
    data = small_model().kv("tokenizer.chat_template", STRING, PAYLOAD).build()
    (file,) = scan_stream(io.BytesIO(data), name="m.gguf").files
    assert file.verdict is Verdict.MALICIOUS
    top = file.findings[0]
    assert top.rule_id == "templates.dunder-access"
    assert "cycler.__init__" in top.evidence["excerpt"]


def test_gguf_with_lying_counts_is_malicious():
    data = small_model().build(kv_count=1 << 62)
    (file,) = scan_stream(io.BytesIO(data), name="m.gguf").files
    assert file.verdict is Verdict.MALICIOUS


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_cli_reports_both_formats(tmp_path, capsys, fmt):
    (tmp_path / "a.safetensors").write_bytes(official_safetensors())
    (tmp_path / "b.gguf").write_bytes(
        small_model().kv("tokenizer.chat_template", STRING, PAYLOAD).build()
    )
    out = tmp_path / f"report.{fmt}"
    code = main(
        [
            "scan",
            str(tmp_path / "a.safetensors"),
            str(tmp_path / "b.gguf"),
            "--format",
            fmt,
            "-o",
            str(out),
            "--no-hash",
            "-q",
        ]
    )
    assert code != 0  # the GGUF is malicious
    doc = json.loads(out.read_text())
    text = json.dumps(doc)
    assert "templates.dunder-access" in text
    if fmt == "json":
        formats = {f["format"]: f["verdict"] for f in doc["files"]}
        assert formats == {"safetensors": "clean", "gguf": "malicious"}
