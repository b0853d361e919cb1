"""Zip quirks PyTorch tolerates and strict readers reject: each is a finding, never a crash,
and the member's pickle is still analysed. One test per quirk, named after its reference."""

from __future__ import annotations

import struct
import zipfile
import zlib

import pytest
import zstandard

from tests.fixtures.archives import (
    BENIGN,
    BROKEN_PAYLOAD,
    P0_PAYLOAD,
    P2_PAYLOAD,
    break_crc,
    central_offsets,
    findings_for,
    local_offsets,
    make_zip,
    patch,
    rename_local,
    rules_of,
    scan_bytes,
    set_flags,
    torch_like_zip,
)
from weightscan.scanner import Verdict


def test_cve_2025_1944_local_name_differs_from_central_directory():
    # https://github.com/mmaitre314/picklescan/security/advisories/GHSA-7q5r-7gvp-wc82
    # (picklescan crashed on the mismatch while torch.load ran the pickle)
    data = rename_local(torch_like_zip(P2_PAYLOAD), 0, b"archive/data.pkx")
    report = scan_bytes(data)
    assert "zip.local-header-mismatch" in rules_of(report)
    assert findings_for(report, "zip.local-header-mismatch")[0].evidence["fields"] == ["name"]
    assert report.verdict is Verdict.MALICIOUS


@pytest.mark.parametrize("bit", [0x0001, 0x0040, 0x0020, 0x1000])
def test_cve_2025_1945_flag_bits_are_reported_and_the_member_still_analysed(bit):
    # https://github.com/mmaitre314/picklescan/security/advisories/GHSA-w8jq-xcqf-f792
    # (flag bits broke zipfile-based scanners while torch.load ran the pickle)
    data = set_flags(torch_like_zip(P2_PAYLOAD), 0, bit)
    report = scan_bytes(data)
    expected = "zip.encrypted" if bit == 1 else "zip.flag-bits"
    assert expected in rules_of(report)
    assert report.verdict is Verdict.MALICIOUS


def test_cve_2025_1945_flag_bits_in_the_local_header_only():
    data = set_flags(torch_like_zip(P2_PAYLOAD), 0, 0x0001, central=False)
    report = scan_bytes(data)
    assert {"zip.encrypted", "zip.local-header-mismatch"} <= rules_of(report)
    assert report.verdict is Verdict.MALICIOUS


def test_cve_2025_10156_bad_crc_is_reported_and_the_member_still_analysed():
    # fixed in picklescan by https://github.com/mmaitre314/picklescan/pull/50
    # (a CRC error stopped the scan while torch.load ran the pickle)
    report = scan_bytes(break_crc(torch_like_zip(P2_PAYLOAD), 0))
    assert "zip.crc-mismatch" in rules_of(report)
    assert report.verdict is Verdict.MALICIOUS


def test_bad_crc_on_a_deflated_member():
    data = break_crc(make_zip({"model/data.pkl": P2_PAYLOAD}, compression=zipfile.ZIP_DEFLATED), 0)
    report = scan_bytes(data)
    assert "zip.crc-mismatch" in rules_of(report)
    assert report.verdict is Verdict.MALICIOUS


def test_bad_crc_on_a_benign_zip_makes_it_suspicious_not_clean():
    report = scan_bytes(break_crc(torch_like_zip(BENIGN), 0))
    assert report.verdict is Verdict.SUSPICIOUS


def test_benign_torch_like_zip_is_clean():
    report = scan_bytes(torch_like_zip(BENIGN))
    assert report.format == "pytorch-zip"
    assert report.verdict is Verdict.CLEAN, report.findings
    assert report.summary["archive"]["storages"] == 1


def test_peer_sample_l_protocol0_pickle_named_data_bin():
    """picklescan, modelscan and aisbom miss a proto-0 pickle under a non-pickle name."""
    report = scan_bytes(make_zip({"archive/data.bin": P0_PAYLOAD}), name="model.pt")
    assert report.verdict is Verdict.MALICIOUS


def test_pickle_member_found_by_content_whatever_its_name_or_folder():
    data = make_zip({"docs/readme.txt": b"hello", "deep/dir/weights.cfg": P2_PAYLOAD})
    report = scan_bytes(data)
    assert report.verdict is Verdict.MALICIOUS
    assert any(f.location.member == "deep/dir/weights.cfg" for f in report.findings)


def test_data_pkl_is_analysed_as_a_pickle_whatever_it_looks_like():
    report = scan_bytes(torch_like_zip(BROKEN_PAYLOAD))
    assert report.verdict is Verdict.MALICIOUS


def test_torch_reads_data_pkl_case_insensitively_so_do_we():
    data = torch_like_zip(P2_PAYLOAD, pkl_name="DATA.PKL")
    report = scan_bytes(data)
    assert report.format == "pytorch-zip"
    assert report.verdict is Verdict.MALICIOUS


def test_unreferenced_local_entry_is_found_and_analysed():
    """A local entry the central directory does not list: streaming readers still see it."""
    hidden = make_zip({"evil.pkl": P2_PAYLOAD})
    hidden_local = hidden[: central_offsets(hidden)[0]]
    visible = make_zip({"a.txt": b"hello"})
    cd = central_offsets(visible)[0]
    # hidden entry goes after the visible member's data; fix the central directory offset
    data = visible[:cd] + hidden_local + visible[cd:]
    eocd = data.rfind(b"PK\x05\x06")
    data = patch(data, eocd + 16, "<I", cd + len(hidden_local))
    report = scan_bytes(data)
    assert "zip.unreferenced-entry" in rules_of(report)
    assert report.verdict is Verdict.MALICIOUS


def test_data_before_the_archive_is_analysed_as_what_it_is():
    data = P2_PAYLOAD + make_zip({"a.txt": b"hello"})
    report = scan_bytes(data)
    assert "zip.hidden-data" in rules_of(report)
    assert report.verdict is Verdict.MALICIOUS


def test_duplicate_names_are_reported_and_both_copies_analysed():
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = make_zip([("archive/data.pkl", BENIGN), ("archive/data.pkl", P2_PAYLOAD)])
    report = scan_bytes(data)
    assert "zip.duplicate-name" in rules_of(report)
    assert report.verdict is Verdict.MALICIOUS


def test_stored_member_size_mismatch():
    data = make_zip({"archive/data.pkl": BENIGN})
    at = central_offsets(data)[0] + 24  # uncompressed size in the central directory
    report = scan_bytes(patch(data, at, "<I", len(BENIGN) + 5))
    assert "zip.size-mismatch" in rules_of(report)


def test_member_pointing_past_the_end_is_truncated_not_a_crash():
    data = torch_like_zip(P2_PAYLOAD)
    at = central_offsets(data)[0] + 20  # compressed size
    report = scan_bytes(patch(data, at, "<I", 10_000_000))
    assert "zip.truncated" in rules_of(report)
    assert report.verdict is not Verdict.CLEAN


def test_central_directory_pointing_at_no_local_header():
    data = torch_like_zip(BENIGN)
    at = central_offsets(data)[1] + 42  # local header offset of the second member
    report = scan_bytes(patch(data, at, "<I", 3))
    assert "zip.bad-local-header" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_unsupported_compression_method():
    data = make_zip({"a.pkl": BENIGN})
    data = patch(data, central_offsets(data)[0] + 10, "<H", 98)  # PPMd
    data = patch(data, local_offsets(data)[0] + 8, "<H", 98)
    report = scan_bytes(data)
    assert "zip.unsupported-method" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_compressed_members_are_inflated_and_analysed(method):
    report = scan_bytes(make_zip({"x/data.pkl": P2_PAYLOAD}, compression=method))
    assert report.verdict is Verdict.MALICIOUS
    assert report.summary["archive"]["decompressed_bytes"] == len(P2_PAYLOAD)


def test_zstd_member_method_93():
    body = zstandard.ZstdCompressor().compress(P2_PAYLOAD)
    name, crc = b"x/data.pkl", zlib.crc32(P2_PAYLOAD)
    local = (
        struct.pack(
            "<4sHHHHHIIIHH",
            b"PK\x03\x04",
            63,
            0,
            93,
            0,
            0x21,
            crc,
            len(body),
            len(P2_PAYLOAD),
            len(name),
            0,
        )
        + name
        + body
    )
    central = (
        struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            63,
            63,
            0,
            93,
            0,
            0x21,
            crc,
            len(body),
            len(P2_PAYLOAD),
            len(name),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + name
    )
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local), 0)
    report = scan_bytes(local + central + eocd)
    assert report.verdict is Verdict.MALICIOUS
    assert "zip.crc-mismatch" not in rules_of(report)


def test_path_traversal_member_name_is_high():
    report = scan_bytes(make_zip({"../../etc/cron.d/x": b"hello"}))
    assert "archive.path-traversal" in rules_of(report)
    assert report.verdict is Verdict.MALICIOUS


def test_empty_zip_is_clean():
    report = scan_bytes(b"PK\x05\x06" + b"\0" * 18)
    assert report.verdict is Verdict.CLEAN


def test_no_end_record_is_malformed():
    report = scan_bytes(b"PK\x03\x04" + b"\0" * 40)
    assert "format.malformed" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_zip_without_central_directory_still_has_its_local_entries_analysed():
    """Streaming readers (and some loaders) walk local headers; so do we, when the end is cut."""
    data = make_zip({"a/data.pkl": P2_PAYLOAD, "b.txt": b"hi"})
    report = scan_bytes(data[: central_offsets(data)[0]])
    assert {"format.malformed", "zip.unreferenced-entry"} <= rules_of(report)
    assert report.verdict is Verdict.MALICIOUS


def test_truncated_central_directory():
    data = make_zip({"a.txt": b"a", "b.txt": b"b"})
    eocd = data.rfind(b"PK\x05\x06")
    data = patch(patch(data, eocd + 8, "<H", 5), eocd + 10, "<H", 5)  # claims 5 entries
    report = scan_bytes(data)
    assert "zip.truncated" in rules_of(report)


def test_bytes_between_members_are_hidden_data():
    data = make_zip({"a.txt": b"hello", "b.txt": b"world"})
    second = local_offsets(data)[1]
    junk = b"\x00\x01\x02\x03 hidden"
    data = data[:second] + junk + data[second:]
    for i, at in enumerate(central_offsets(data)):
        if i == 1:
            data = patch(data, at + 42, "<I", second + len(junk))
    eocd = data.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack_from("<I", data, eocd + 16)[0]
    data = patch(data, eocd + 16, "<I", cd_offset + len(junk))
    report = scan_bytes(data)
    hidden = findings_for(report, "zip.hidden-data")
    assert hidden
    assert hidden[0].evidence["size"] == len(junk)
    assert report.verdict is Verdict.SUSPICIOUS


def test_absolute_member_name():
    report = scan_bytes(make_zip({"/etc/x.txt": b"hello"}))
    assert "archive.absolute-path" in rules_of(report)


@pytest.mark.parametrize(
    "comment",
    [b"PK\x05\x06", b"xx" + b"PK\x05\x06" + bytes(18)],
    ids=["bare-signature", "fake-empty-record"],
)
def test_end_record_signature_in_the_comment_hides_nothing(comment):
    # zipfile and miniz search backwards and read the fake record (no members, or a
    # broken one); the real members must still be analysed.
    import io

    from tests.fixtures.pickles import os_system

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.comment = comment
        archive.writestr("archive/data.pkl", os_system())
    assert scan_bytes(buf.getvalue()).verdict is Verdict.MALICIOUS
