"""Payloads stored as text in a pickle: base64 / hex (maybe compressed) strings that decode
to a pickle, an archive or code. The loader returns them unrun; a staged attack decodes
and loads them in a second step. The decoded content is analysed apart and graded."""

from __future__ import annotations

import base64
import hashlib
import zlib

import pytest

from tests.fixtures.archives import torch_like_zip
from tests.fixtures.pickles import benign_list, ops, os_system
from tests.scanner.pickle.helpers import finding, no_internal_error, rules, scan
from weightscan.scanner import ScanLimits, Verdict


def _dict_of(*values: bytes) -> bytes:
    """A protocol 4 dict {"k0": value0, ...}; each value is opcodes pushing one item."""
    body = b"".join(ops.SHORT_BINUNICODE(f"k{i}") + v for i, v in enumerate(values))
    return ops.proto(4) + ops.EMPTY_DICT + ops.MARK + body + ops.SETITEMS + ops.STOP


def _text(s: str) -> bytes:
    """The opcode a pickler writes for this string (short or long)."""
    return ops.SHORT_BINUNICODE(s) if len(s.encode()) < 256 else ops.BINUNICODE(s)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


INNER = os_system("touch /tmp/weightscan-test", proto=4)


@pytest.mark.parametrize(
    "encode",
    [
        _b64,
        lambda d: d.hex(),
        lambda d: d.hex().upper(),
        lambda d: base64.urlsafe_b64encode(d).decode().rstrip("="),
        lambda d: _b64(zlib.compress(d)),
    ],
    ids=["base64", "hex", "HEX", "urlsafe-unpadded", "base64-zlib"],
)
def test_an_encoded_pickle_that_runs_code_makes_the_file_malicious(encode):
    report = scan(_dict_of(_text("resnet"), _text(encode(INNER))))
    no_internal_error(report)
    hit = finding(report, "payload.encoded", kind="pickle")
    assert hit.severity.value == "high"
    assert "os.system" in str(hit.evidence["findings"])
    assert report.verdict is Verdict.MALICIOUS


@pytest.mark.parametrize(
    "opcode",
    [ops.BINUNICODE, ops.STRING, ops.UNICODE, ops.SHORT_BINSTRING, ops.SHORT_BINBYTES],
    ids=["binunicode", "string", "unicode", "short-binstring", "short-binbytes"],
)
def test_every_string_opcode_is_read(opcode):
    text = _b64(INNER)
    value = opcode(text.encode() if opcode is ops.SHORT_BINBYTES else text)
    report = scan(_dict_of(value))
    assert report.verdict is Verdict.MALICIOUS, report.findings


def test_a_protocol_0_pickle_in_base64_is_found():
    report = scan(_dict_of(_text(_b64(os_system(proto=0)))))
    assert finding(report, "payload.encoded").severity.value == "high"


def test_a_string_longer_than_the_kept_prefix_is_decoded_whole():
    """The engine keeps 4 KiB of a string; the payload sits after 6 KiB of padding."""
    padded = ops.proto(4) + ops.BINBYTES(b"\0" * 6000) + ops.POP + INNER[2:]
    report = scan(_dict_of(_text(_b64(padded))))
    assert report.verdict is Verdict.MALICIOUS, report.findings


def test_a_torch_archive_in_base64_is_analysed():
    archive = torch_like_zip(INNER)
    report = scan(_dict_of(_text(_b64(archive))))
    hit = finding(report, "payload.encoded", kind="zip")
    assert hit.severity.value == "high"


def test_two_stages_of_encoding_are_followed():
    stage1 = _dict_of(_text(_b64(INNER)))
    report = scan(_dict_of(_text(_b64(stage1))))
    assert report.verdict is Verdict.MALICIOUS, report.findings


def test_an_encoded_pickle_with_an_unknown_import_is_suspicious():
    inner = ops.proto(2) + ops.GLOBAL("mylib.models", "Net") + ops.EMPTY_TUPLE + b"R."
    report = scan(_dict_of(_text(_b64(inner))))
    assert finding(report, "payload.encoded").severity.value == "medium"
    assert report.verdict is Verdict.SUSPICIOUS


def test_encoded_python_code_is_suspicious():
    code = "__import__('os').system('touch /tmp/weightscan-test')"
    report = scan(_dict_of(_text(_b64(code.encode()))))
    assert "payload.encoded-code" in rules(report)
    assert report.verdict is Verdict.SUSPICIOUS


@pytest.mark.parametrize(
    "value",
    [
        _b64(benign_list(20) + ops.STOP),  # a harmless pickle, encoded
        hashlib.sha256(b"x").hexdigest(),
        _b64(hashlib.sha512(b"x").digest() * 3),
        _b64(b"a plain sentence about the model, nothing to run here at all"),
        "model_layers_0_self_attention_query_key_value_weight",
        "A" * 5000,
        _b64(b"\x80\x02" + bytes(range(256)) * 4),  # a pickle header, then junk
    ],
    ids=["benign-pickle", "sha256", "random", "text", "identifier", "letters", "junk"],
)
def test_harmless_or_unrecognisable_strings_stay_clean(value):
    report = scan(_dict_of(_text(value), _text(value)))
    assert report.verdict is Verdict.CLEAN, report.findings


def test_strings_across_chunk_boundaries_are_found(monkeypatch):
    import weightscan.scanner.encoded.runs as runs

    monkeypatch.setattr(runs, "CHUNK", 64)
    for pad in range(0, 70, 7):
        data = _dict_of(_text("x" * (pad % 50)), _text(_b64(INNER)))
        assert scan(data).verdict is Verdict.MALICIOUS, pad


def test_the_decoding_budget_is_a_finding_not_a_blind_spot():
    """Past the file's budget of decoded bytes, a value is analysed from its head only,
    and the file cannot be clean."""
    big = ops.proto(4) + ops.BINBYTES(b"\0" * 20000) + ops.POP + INNER[2:]
    limits = ScanLimits(max_decoded_text_bytes=1000)
    report = scan(_dict_of(_text(_b64(big))), limits=limits)
    hit = finding(report, "payload.encoded")
    assert "only its first" in hit.message
    assert report.verdict is not Verdict.CLEAN


def test_strings_in_a_legacy_torch_checkpoint_are_decoded():
    """Legacy torch.save: five pickles, then storage bytes; the strings of the pickles."""
    import io

    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    checkpoint = {"w": torch.ones(4), "note": _b64(INNER)}
    torch.save(checkpoint, buf, _use_new_zipfile_serialization=False)
    report = scan(buf.getvalue(), "model.pt")
    assert report.format == "pytorch-legacy"
    assert finding(report, "payload.encoded").severity.value == "high"


def test_the_same_payload_many_times_is_analysed_and_reported_once():
    value = _text(_b64(INNER))
    report = scan(_dict_of(*[value] * 500))
    assert [f.rule_id for f in report.findings].count("payload.encoded") == 1
    assert report.verdict is Verdict.MALICIOUS


def test_three_stages_of_encoding_are_followed():
    stage = INNER
    for _ in range(3):
        stage = _dict_of(_text(_b64(stage)))
    report = scan(stage)
    assert finding(report, "payload.encoded").severity.value == "high", report.findings


def test_encoding_nested_past_the_depth_limit_is_a_finding_not_a_blind_spot():
    stage = INNER
    for _ in range(8):
        stage = _dict_of(_text(_b64(stage)))
    report = scan(stage)
    hit = finding(report, "payload.encoded")
    assert report.verdict is not Verdict.CLEAN
    assert hit.severity.value in ("medium", "high")
