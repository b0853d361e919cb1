"""Compressed pickles in every codec, joblib's real compressed dumps, broken streams."""

from __future__ import annotations

import io

import pytest

from tests.fixtures.archives import (
    BENIGN,
    COMPRESSORS,
    P0_PAYLOAD,
    P2_PAYLOAD,
    findings_for,
    rules_of,
    scan_bytes,
)
from weightscan.scanner import ScanLimits, Verdict

CODECS = sorted(COMPRESSORS)


@pytest.mark.parametrize("codec", CODECS)
def test_malicious_pickle_in_each_codec(codec):
    report = scan_bytes(COMPRESSORS[codec](P2_PAYLOAD), name="model.joblib")
    assert report.format == codec
    assert report.verdict is Verdict.MALICIOUS
    assert any(f.location.member and f.location.member.startswith("<") for f in report.findings)


@pytest.mark.parametrize("codec", CODECS)
def test_protocol0_pickle_in_each_codec(codec):
    report = scan_bytes(COMPRESSORS[codec](P0_PAYLOAD))
    assert report.verdict is Verdict.MALICIOUS


@pytest.mark.parametrize("codec", CODECS)
def test_benign_pickle_in_each_codec_is_clean(codec):
    report = scan_bytes(COMPRESSORS[codec](BENIGN))
    assert report.verdict is Verdict.CLEAN, report.findings
    assert report.summary["compressed"]["complete"] is True


@pytest.mark.parametrize("codec", CODECS)
def test_truncated_stream_is_reported_and_its_front_still_analysed(codec):
    payload = P2_PAYLOAD + BENIGN * 2000  # the call comes first, then plenty of data
    data = COMPRESSORS[codec](payload)
    report = scan_bytes(data[: len(data) * 3 // 4])
    assert "compressed.truncated" in rules_of(report)
    assert report.verdict is not Verdict.CLEAN


@pytest.mark.parametrize("codec", CODECS)
def test_corrupt_stream_is_a_finding_not_a_crash(codec):
    data = bytearray(COMPRESSORS[codec](BENIGN * 50))
    for i in range(len(data) // 2, len(data) - 4):
        data[i] ^= 0x5A
    report = scan_bytes(bytes(data))
    assert "scanner.internal-error" not in rules_of(report)
    assert report.verdict is not Verdict.CLEAN


def test_data_after_the_stream_is_reported_and_analysed():
    data = COMPRESSORS["gzip"](BENIGN) + P2_PAYLOAD
    report = scan_bytes(data)
    assert "compressed.trailing-data" in rules_of(report)
    assert report.verdict is Verdict.MALICIOUS


def test_zero_padding_after_gzip_is_fine():
    report = scan_bytes(COMPRESSORS["gzip"](BENIGN) + bytes(512))
    assert report.verdict is Verdict.CLEAN


def test_multi_member_gzip_is_read_through():
    data = COMPRESSORS["gzip"](P2_PAYLOAD[:20]) + COMPRESSORS["gzip"](P2_PAYLOAD[20:])
    report = scan_bytes(data)
    assert report.verdict is Verdict.MALICIOUS


def test_compression_bomb_is_stopped():
    data = COMPRESSORS["zstd"](bytes(40 << 20))
    report = scan_bytes(data)
    assert "compressed.bomb" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS
    assert report.summary["compressed"]["decompressed_bytes"] < 40 << 20


def test_decompression_budget():
    data = COMPRESSORS["gzip"](BENIGN + bytes(4 << 20))
    report = scan_bytes(data, limits=ScanLimits(max_decompressed_bytes=1 << 20))
    assert "limits.resource" in rules_of(report)


def test_joblib_zf_declared_length_mismatch():
    data = bytearray(COMPRESSORS["joblib-zlib"](BENIGN))
    data[4] = ord("f")  # "0x1b" -> "0xfb"-ish: the declared length no longer matches
    report = scan_bytes(bytes(data))
    assert findings_for(report, "compressed.size-mismatch")


@pytest.mark.parametrize("compress", ["zlib", "gzip", "bz2", "xz", "lzma", "lz4"])
def test_real_joblib_compressed_dumps(compress):
    joblib = pytest.importorskip("joblib")
    np = pytest.importorskip("numpy")
    buf = io.BytesIO()
    joblib.dump(
        {"weights": np.arange(12.0).reshape(3, 4), "name": "m"}, buf, compress=(compress, 3)
    )
    report = scan_bytes(buf.getvalue(), name="model.joblib")
    assert report.verdict is Verdict.CLEAN, report.findings


@pytest.mark.parametrize(
    ("payload", "verdict"), [(BENIGN, Verdict.CLEAN), (P2_PAYLOAD, Verdict.MALICIOUS)]
)
def test_joblib_zf_with_python2_wider_header_is_read_as_joblib_reads_it(payload, verdict):
    # joblib <= 0.8.4 on Python 2 wrote one more space: read_zfile skips it
    import zlib

    data = b"ZF" + hex(len(payload)).encode().ljust(20) + zlib.compress(payload)
    report = scan_bytes(data, name="model.gz")
    assert report.format == "joblib-zlib"
    assert report.verdict is verdict, report.findings
