"""Tar archives (torch's legacy tar included), unopenable archives, and plain files."""

from __future__ import annotations

import tarfile

import pytest

from tests.fixtures.archives import (
    BENIGN,
    P0_PAYLOAD,
    P2_PAYLOAD,
    findings_for,
    make_tar,
    rules_of,
    scan_bytes,
    tar_special,
)
from weightscan.scanner import Verdict


def test_pickle_member_of_a_tar_is_analysed():
    report = scan_bytes(make_tar([("readme.md", b"# hi\n"), ("model/weights.pkl", P2_PAYLOAD)]))
    assert report.format == "tar"
    assert report.verdict is Verdict.MALICIOUS
    assert report.summary["archive"]["members"] == 2


def test_torch_legacy_tar_members_are_analysed():
    data = make_tar(
        [("sys_info", BENIGN), ("pickle", P2_PAYLOAD), ("storages", BENIGN), ("tensors", BENIGN)]
    )
    report = scan_bytes(data, name="old.pt")
    assert report.format == "pytorch-tar"
    assert report.verdict is Verdict.MALICIOUS
    assert any(f.location.member == "pickle" for f in report.findings)


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_long_names_in_gnu_and_pax_tars(fmt):
    name = "d/" * 80 + "payload.pkl"
    report = scan_bytes(make_tar([(name, P2_PAYLOAD)], fmt=fmt))
    assert report.verdict is Verdict.MALICIOUS
    assert any(f.location.member == name for f in report.findings)


def test_tar_that_is_also_a_pickle_is_analysed_both_ways():
    """torch.load tries tar first, pickle.load reads the same bytes as a pickle."""
    block = bytearray(make_tar([("x", b"hello")])[:512])
    block[: len(P2_PAYLOAD)] = P2_PAYLOAD  # the pickle lives in the name field
    block[148:156] = b" " * 8
    block[148:156] = f"{sum(block):06o}\0 ".encode()
    data = bytes(block) + make_tar([("x", b"hello")])[512:]
    report = scan_bytes(data)
    assert report.format == "tar"
    assert "archive.polyglot" in rules_of(report)
    assert report.verdict is Verdict.MALICIOUS


def test_path_traversal_in_a_tar():
    report = scan_bytes(make_tar([("../../../home/user/.bashrc", b"echo hi\n")]))
    assert "archive.path-traversal" in rules_of(report)
    assert report.verdict is Verdict.MALICIOUS


def test_symlink_out_of_the_archive():
    report = scan_bytes(make_tar([tar_special("link", tarfile.SYMTYPE, "/etc/passwd")]))
    assert {"archive.link", "archive.path-traversal"} <= rules_of(report)


def test_device_member():
    report = scan_bytes(make_tar([tar_special("dev", tarfile.CHRTYPE)]))
    assert "archive.special-member" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_truncated_tar_is_a_finding():
    data = make_tar([("a.pkl", BENIGN * 200)])
    report = scan_bytes(data[:700])
    assert "format.malformed" in rules_of(report)
    assert report.verdict is not Verdict.CLEAN


def test_corrupt_tar_header_checksum_mid_archive():
    data = bytearray(make_tar([("a.txt", b"a"), ("b.txt", b"b")]))
    data[1024 + 150] ^= 0x01  # second header's checksum field
    report = scan_bytes(bytes(data))
    assert "format.malformed" in rules_of(report)


@pytest.mark.parametrize(
    ("head", "fmt"), [(b"7z\xbc\xaf\x27\x1c\x00\x04", "7z"), (b"Rar!\x1a\x07\x01\x00", "rar")]
)
def test_7z_and_rar_cannot_be_opened_and_are_suspicious(head, fmt):
    # the nullifAI campaign shipped its PyTorch models as 7z archives
    report = scan_bytes(head + bytes(64), name="model.pt")
    assert report.format == fmt
    assert findings_for(report, "archive.unopenable")
    assert report.verdict is Verdict.SUSPICIOUS


# -- plain files ----------------------------------------------------------------------------


def test_text_is_info_and_clean():
    report = scan_bytes(b'{"model_type": "llama"}\n', name="config.json")
    assert report.format == "text"
    assert rules_of(report) == {"format.text"}
    assert report.verdict is Verdict.CLEAN


def test_text_with_a_binary_tail_is_suspicious():
    data = b"# README\n" * 2000 + b"\x00\x01\x02 hidden"
    report = scan_bytes(data)
    assert "format.text-binary" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_protocol0_pickle_named_as_text_is_analysed_as_a_pickle():
    report = scan_bytes(P0_PAYLOAD, name="notes.txt")
    assert report.verdict is Verdict.MALICIOUS


def test_analyze_text_double_checks_for_a_pickle():
    """Even when dispatched as text, a proto-0 pickle is analysed as a pickle."""
    import io

    from weightscan.scanner.containers.plain import analyze_text
    from weightscan.scanner.context import ScanContext
    from weightscan.scanner.limits import DEFAULT_LIMITS
    from weightscan.scanner.source import Source

    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze_text(Source(io.BytesIO(P0_PAYLOAD)), ctx)
    assert any(f.severity.implied_verdict is Verdict.MALICIOUS for f in ctx.findings)


def test_unknown_binary_is_suspicious():
    report = scan_bytes(bytes(range(256)) * 8, name="weights.dat")
    assert report.format == "unknown"
    assert "format.unrecognized" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_image_is_other_and_clean():
    report = scan_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100), name="logo.png")
    assert report.format == "other"
    assert rules_of(report) == {"format.other"}
    assert report.verdict is Verdict.CLEAN


def test_empty_file():
    report = scan_bytes(b"", name="empty.bin")
    assert report.format == "empty"
    assert rules_of(report) == {"format.empty"}
    assert report.verdict is Verdict.CLEAN


def test_tar_member_limit():
    from weightscan.scanner import ScanLimits

    data = make_tar([(f"f{i}.txt", b"x") for i in range(30)])
    report = scan_bytes(data, limits=ScanLimits(max_archive_members=10))
    assert "archive.too-many-members" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_repeated_oddities_are_capped_per_archive():
    links = [tar_special(f"l{i}", tarfile.SYMTYPE, "target") for i in range(200)]
    report = scan_bytes(make_tar(links))
    link_findings = findings_for(report, "archive.link")
    assert len(link_findings) == 21  # 20 in full, then one with the count of the rest
    assert any(f.evidence.get("more") == 180 for f in link_findings)


def test_tar_member_named_like_an_opcode_is_not_a_polyglot():
    # "data.pkl" starts with the DICT opcode letter but underflows at once: no pickle view.
    report = scan_bytes(make_tar([("data.pkl", BENIGN), ("x.txt", BENIGN)]), "a.tar")
    assert report.verdict is Verdict.CLEAN


def test_tar_whose_header_is_a_pickle_is_a_polyglot():
    header_pickle = P0_PAYLOAD.decode("latin-1")[:90]
    report = scan_bytes(make_tar([(header_pickle, b"x")]), "b.tar")
    assert "archive.polyglot" in rules_of(report)
    assert report.verdict is Verdict.MALICIOUS
