"""Every early stop in the containers leaves a finding that says what was not analysed,
so a file that was not fully looked at is never clean (member counts, nesting, budgets,
ratios, links, unreadable, encrypted or undecodable members, bytes past the end)."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.fixtures.archives import (
    BENIGN,
    COMPRESSORS,
    P2_PAYLOAD,
    deflate_bomb_zip,
    make_tar,
    make_zip,
    nested_zip,
    patch,
    rules_of,
    scan_bytes,
    set_flags,
    tar_special,
)
from weightscan.scanner import ScanLimits, Verdict


def _zip_symlink(target: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("weights.bin", (2020, 1, 1, 0, 0, 0))
        info.create_system = 3  # Unix: the mode in the high bits of the external attributes
        info.external_attr = 0o120777 << 16
        z.writestr(info, target)
        z.writestr("a.pkl", BENIGN)
    return buf.getvalue()


def _tar_then_trailing(trailing: bytes) -> bytes:
    return make_tar([("a.pkl", BENIGN)]) + trailing


CASES = {
    "zip-members": (
        make_zip({f"m{i}.pkl": BENIGN for i in range(20)}),
        ScanLimits(max_archive_members=5),
        "zip.too-many-members",
    ),
    "tar-members": (
        make_tar([(f"m{i}.pkl", BENIGN) for i in range(20)]),
        ScanLimits(max_archive_members=5),
        "archive.too-many-members",
    ),
    "nesting": (nested_zip(BENIGN, 4), ScanLimits(max_nesting_depth=2), "limits.nesting"),
    "decompressed-budget": (
        COMPRESSORS["gzip"](BENIGN + b"\0" * (4 << 20)),
        ScanLimits(max_decompressed_bytes=1 << 20),
        "limits.resource",
    ),
    "zip-ratio": (deflate_bomb_zip(32 << 20), None, "zip.bomb"),
    "zip-symlink": (_zip_symlink(b"../../../../etc/passwd"), None, "archive.link"),
    "tar-symlink": (make_tar([tar_special("w.bin", b"2", "/etc/passwd")]), None, "archive.link"),
    "zip-unreadable-member": (
        patch(make_zip({"a.pkl": BENIGN}), 0, "<I", 0x04034B51),
        None,
        "zip.bad-local-header",
    ),
    "zip-encrypted": (set_flags(make_zip({"a.pkl": BENIGN}), 0, 1), None, "zip.encrypted"),
    "zip-unknown-method": (
        patch(
            patch(make_zip({"a.pkl": BENIGN}), 8, "<H", 98),
            make_zip({"a.pkl": BENIGN}).rfind(b"PK\x01\x02") + 10,
            "<H",
            98,
        ),
        None,
        "zip.unsupported-method",
    ),
    "tar-trailing-bytes": (
        _tar_then_trailing(b"\x01\x02 not a tar block" * 40),
        None,
        "archive.trailing-data",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_cap_leaves_a_finding(name):
    data, limits, rule = CASES[name]
    report = scan_bytes(data, limits=limits) if limits else scan_bytes(data)
    assert rule in rules_of(report), rules_of(report)
    assert report.verdict is not Verdict.CLEAN


def test_zip_symlink_escaping_the_archive_is_traversal():
    report = scan_bytes(_zip_symlink(b"../../../../home/user/.bashrc"))
    assert "archive.path-traversal" in rules_of(report)


def test_a_pickle_after_the_tar_end_marker_is_analysed():
    assert scan_bytes(_tar_then_trailing(P2_PAYLOAD)).verdict is Verdict.MALICIOUS


def test_tar_padding_after_the_end_marker_is_fine():
    data = make_tar([("a.pkl", BENIGN)])  # tarfile pads to a 10240-byte record with zeros
    assert scan_bytes(data + b"\0" * 4096).verdict is Verdict.CLEAN


def test_ordinary_unix_zip_modes_are_fine():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("a.pkl", (2020, 1, 1, 0, 0, 0))
        info.create_system = 3
        info.external_attr = 0o100644 << 16
        z.writestr(info, BENIGN)
    assert scan_bytes(buf.getvalue()).verdict is Verdict.CLEAN
