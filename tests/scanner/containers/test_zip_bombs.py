"""Zip bombs (ratio, overlap, nesting) and very large archives: bounded time, never clean."""

from __future__ import annotations

import time
import zipfile

from tests.fixtures.archives import (
    P2_PAYLOAD,
    deflate_bomb_zip,
    make_zip,
    nested_zip,
    overlapping_zip,
    rules_of,
    scan_bytes,
)
from weightscan.scanner import ScanLimits, Verdict


def test_ratio_bomb_is_stopped_at_the_limit():
    started = time.monotonic()
    report = scan_bytes(deflate_bomb_zip(20 << 20))
    assert "zip.bomb" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS
    assert report.summary["archive"]["decompressed_bytes"] < 32 << 20
    assert time.monotonic() - started < 5


def test_decompression_budget_is_shared_by_all_members():
    members = {f"m{i}.bin": bytes(1 << 20) for i in range(8)}
    data = make_zip(members, compression=zipfile.ZIP_DEFLATED)
    report = scan_bytes(data, limits=ScanLimits(max_decompressed_bytes=3 << 20))
    assert "limits.resource" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_overlapping_members_bomb_is_reported_and_bounded():
    """Fifield-style: thousands of directory entries sharing one compressed kernel."""
    started = time.monotonic()
    report = scan_bytes(overlapping_zip(copies=5000, kernel_size=4 << 20))
    assert "zip.overlapping-members" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS
    assert time.monotonic() - started < 10


def test_nested_archives_stop_at_the_nesting_limit():
    report = scan_bytes(nested_zip(P2_PAYLOAD, 8))
    assert "limits.nesting" in rules_of(report)
    assert report.verdict is not Verdict.CLEAN


def test_nested_archives_within_the_limit_are_opened():
    report = scan_bytes(nested_zip(P2_PAYLOAD, 3))
    assert report.verdict is Verdict.MALICIOUS
    member = next(f.location.member for f in report.findings if f.rule_id.startswith("pickle."))
    assert member.count("!") == 2  # three archive levels deep


def test_ten_thousand_members_are_fast():
    data = make_zip({f"dir/file{i}.txt": b"x" for i in range(10_000)})
    started = time.monotonic()
    report = scan_bytes(data)
    elapsed = time.monotonic() - started
    assert report.summary["archive"]["members"] == 10_000
    assert report.verdict is Verdict.CLEAN
    assert elapsed < 15, elapsed


def test_member_limit():
    data = make_zip({f"f{i}.txt": b"x" for i in range(50)})
    report = scan_bytes(data, limits=ScanLimits(max_archive_members=10))
    assert "zip.too-many-members" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_recursive_bomb_in_the_style_of_42_zip_is_bounded_by_the_budget():
    leaf = make_zip({"zeros.bin": bytes(4 << 20)}, compression=zipfile.ZIP_DEFLATED)
    layer = leaf
    for _ in range(3):
        layer = make_zip(
            {f"part{i}.zip": layer for i in range(8)}, compression=zipfile.ZIP_DEFLATED
        )
    started = time.monotonic()
    report = scan_bytes(layer, limits=ScanLimits(max_decompressed_bytes=64 << 20))
    assert "limits.resource" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS
    assert time.monotonic() - started < 10
