"""TFLite: builtin-only models are clean; custom ops are listed; Flex (select TF) ops are
listed, and judged like the TensorFlow ops they run; buffers must lie inside the file."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.flatbuffer_builder import tflite_model
from weightscan.scanner import Verdict, scan_stream
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.sniff import sniff_format
from weightscan.scanner.source import Source

ADD, CONV_2D, BROADCAST_TO = 0, 3, 130


def scan_bytes(raw: bytes):
    return scan_stream(io.BytesIO(raw), name="model.tflite").files[0]


def by_rule(report, rule_id: str):
    return [x for x in report.findings if x.rule_id == rule_id]


def test_builtin_model_is_clean_and_summarised():
    raw = tflite_model([ADD, CONV_2D, BROADCAST_TO])
    assert sniff_format(Source(io.BytesIO(raw))) is Format.TFLITE
    report = scan_bytes(raw)
    assert report.format == "tflite"
    assert report.verdict is Verdict.CLEAN, report.findings
    assert report.summary["tflite"]["operator_codes"] == 3
    assert report.summary["tflite"]["subgraphs"] == 1
    assert report.summary["tflite"]["buffers"] == 2
    assert report.summary["tflite"]["description"] == "tests"


def test_custom_ops_are_listed():
    report = scan_bytes(tflite_model([ADD], customs=["TFLite_Detection_PostProcess", "MyOp"]))
    assert report.verdict is Verdict.CLEAN
    listed = by_rule(report, "tflite.op.custom")
    assert listed[0].evidence["ops"] == ["MyOp", "TFLite_Detection_PostProcess"]


def test_flex_ops_are_listed_and_judged_as_tensorflow_ops():
    report = scan_bytes(tflite_model([ADD], customs=["FlexAddV2", "FlexRFFT"]))
    assert report.verdict is Verdict.CLEAN
    assert by_rule(report, "tflite.op.flex")[0].evidence["ops"] == ["AddV2", "RFFT"]
    assert scan_bytes(tflite_model([], customs=["FlexReadFile"])).verdict is Verdict.SUSPICIOUS
    evil = scan_bytes(tflite_model([], customs=["FlexPyFunc"]))
    assert evil.verdict is Verdict.MALICIOUS
    assert by_rule(evil, "tensorflow.op.python")


def test_buffer_outside_the_file_is_suspicious():
    raw = tflite_model([ADD], buffers=[(b"", 0, 0), (b"", 1 << 40, 1 << 20)])
    report = scan_bytes(raw)
    assert report.verdict is Verdict.SUSPICIOUS
    assert by_rule(report, "tflite.buffer.range")


def test_large_model_with_buffers_after_the_flatbuffer_is_clean():
    head = tflite_model([ADD], buffers=[(b"", 0, 0), (b"", 4096, 1000)])
    raw = head + b"\0" * (5096 - len(head))
    assert scan_bytes(raw).verdict is Verdict.CLEAN


def test_truncated_model_is_not_clean():
    raw = tflite_model([ADD], customs=["MyOp"])
    assert scan_bytes(raw[:40]).verdict is not Verdict.CLEAN


VALID = tflite_model([ADD], customs=["FlexAddV2", "MyOp"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8)
)
def test_mutations_never_crash(edits):
    raw = bytearray(VALID)
    for pos, value in edits:
        raw[pos] = value
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze(Source(io.BytesIO(bytes(raw))), ctx, Format.TFLITE)
    assert all(f.rule_id != "scanner.internal-error" for f in ctx.findings), ctx.findings


def test_model_with_packed_associated_files_is_clean():
    import zipfile

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as z:  # what tflite-support's MetadataPopulator appends
        z.writestr("labels.txt", "cat\ndog\n")
    report = scan_bytes(tflite_model([ADD, CONV_2D]) + packed.getvalue())
    assert report.verdict is Verdict.CLEAN, report.findings
    assert report.summary["members"]["<prefix>"]["tflite"]["operator_codes"] == 2
    evil = scan_bytes(tflite_model([], customs=["FlexPyFunc"]) + packed.getvalue())
    assert evil.verdict is Verdict.MALICIOUS
