"""ZIP64 end records that point at two different central directories, and bytes the
directory does not account for after it.

Python's zipfile (numpy.load for .npz, most scanners) reads the ZIP64 end record that
sits right before the locator; miniz (torch.load) follows the locator's offset. When the
two disagree, each reader sees its own archive: both must be analysed.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from tests.fixtures.archives import BENIGN, P2_PAYLOAD, findings_for, make_zip, rules_of, scan_bytes
from weightscan.scanner import Verdict


def _local(name: bytes, data: bytes) -> bytes:
    return (
        struct.pack(
            "<4sHHHHHIIIHH",
            b"PK\x03\x04",
            20,
            0,
            0,
            0,
            0x21,
            zlib.crc32(data),
            len(data),
            len(data),
            len(name),
            0,
        )
        + name
        + data
    )


def _central(name: bytes, data: bytes, offset: int) -> bytes:
    return (
        struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            45,
            20,
            0,
            0,
            0,
            0x21,
            zlib.crc32(data),
            len(data),
            len(data),
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        + name
    )


def _record64(entries: int, cd_size: int, cd_offset: int) -> bytes:
    return struct.pack(
        "<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, cd_size, cd_offset
    )


def two_view_zip64(
    miniz_member: bytes, zipfile_member: bytes, name: bytes = b"archive/data.pkl"
) -> bytes:
    """[local M][local Z][directory M][record M][directory Z][record Z][locator->M][EOCD]."""
    local_m = _local(name, miniz_member)
    local_z = _local(name, zipfile_member)
    cd_m = _central(name, miniz_member, 0)
    cd_z = _central(name, zipfile_member, len(local_m))
    cd_m_at = len(local_m) + len(local_z)
    record_m_at = cd_m_at + len(cd_m)
    record_m = _record64(1, len(cd_m), cd_m_at)
    cd_z_at = record_m_at + len(record_m)
    record_z = _record64(1, len(cd_z), cd_z_at)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, record_m_at, 1)
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return local_m + local_z + cd_m + record_m + cd_z + record_z + locator + eocd


def test_zipfile_reads_the_record_next_to_the_locator():
    data = two_view_zip64(BENIGN, P2_PAYLOAD)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.read("archive/data.pkl") == P2_PAYLOAD


@pytest.mark.parametrize(
    ("miniz", "zipfile_view"),
    [
        pytest.param(BENIGN, P2_PAYLOAD, id="payload-for-zipfile-readers"),
        pytest.param(P2_PAYLOAD, BENIGN, id="payload-for-torch"),
    ],
)
def test_both_directories_are_analysed(miniz, zipfile_view):
    report = scan_bytes(two_view_zip64(miniz, zipfile_view))
    assert "zip.zip64-disagreement" in rules_of(report)
    assert report.verdict is Verdict.MALICIOUS, report.findings


def test_agreeing_records_are_one_view():
    data = two_view_zip64(BENIGN, BENIGN)
    report = scan_bytes(data)
    assert "zip.zip64-disagreement" in rules_of(report)  # two directories all the same
    real = io.BytesIO()
    with zipfile.ZipFile(real, "w") as z:
        z.writestr("a/data.pkl", BENIGN)
    assert "zip.zip64-disagreement" not in rules_of(scan_bytes(real.getvalue()))


# -- bytes after the central directory --------------------------------------------------------


def _with_junk_before_end_record(data: bytes, junk: bytes) -> bytes:
    """Insert ``junk`` between the central directory and the end record."""
    eocd = data.rfind(b"PK\x05\x06")
    return data[:eocd] + junk + data[eocd:]


def test_bytes_between_the_directory_and_the_end_record_are_hidden_data():
    data = _with_junk_before_end_record(make_zip({"a.txt": b"hello"}), P2_PAYLOAD)
    report = scan_bytes(data)
    hidden = findings_for(report, "zip.hidden-data")
    assert hidden, rules_of(report)
    assert report.verdict is Verdict.MALICIOUS


def test_bytes_after_the_end_record_are_hidden_data():
    data = make_zip({"a.txt": b"hello"}) + b"\x00\x01\x02 trailing bytes"
    report = scan_bytes(data)
    assert "zip.hidden-data" in rules_of(report)
    assert report.verdict is not Verdict.CLEAN


def test_a_pickle_after_the_end_record_is_analysed():
    data = make_zip({"a.txt": b"hello"}) + P2_PAYLOAD
    assert scan_bytes(data).verdict is Verdict.MALICIOUS


def test_ordinary_zips_have_no_hidden_bytes(tmp_path):
    np = pytest.importorskip("numpy")
    buf = io.BytesIO()
    np.savez(buf, a=np.arange(3))
    for data in (buf.getvalue(), make_zip({"a.txt": b"x", "b/c.txt": b"y"})):
        report = scan_bytes(data)
        assert report.verdict is Verdict.CLEAN, rules_of(report)
    big = tmp_path / "z64.zip"
    # force ZIP64 end records on a small archive
    with zipfile.ZipFile(big, "w") as z, z.open("a.txt", "w", force_zip64=True) as f:
        f.write(b"hello")
    report = scan_bytes(big.read_bytes())
    assert report.verdict is Verdict.CLEAN, rules_of(report)
