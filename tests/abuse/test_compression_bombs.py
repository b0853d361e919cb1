"""Compression bombs: ratio, nested (42.zip style) and overlapping members."""

from __future__ import annotations

from pathlib import Path

from tests.abuse import bombs
from tests.abuse.expect import bounded, flagged
from tests.fixtures.archives import overlapping_zip


def test_zip_ratio_bomb_512_mib(scan, tmp_path: Path):
    o = scan(bombs.write(tmp_path / "bomb.zip", bombs.deflated_zip_member("zeros.bin", 512)))
    bounded(o, seconds=10)
    flagged(o, "zip.bomb")


def test_gzip_ratio_bomb_512_mib(scan, tmp_path: Path):
    o = scan(bombs.write(tmp_path / "bomb.pkl.gz", bombs.gzip_bomb(512)))
    bounded(o, seconds=10)
    flagged(o, "compressed.bomb")


def test_nested_zip_bomb_declares_4_gib(scan, tmp_path: Path):
    """4 zips of 4 zips of a 256 MiB bomb: 4 GiB declared, 4 MiB on disk."""
    inner = bombs.deflated_zip_member("zeros.bin", 256)
    o = scan(bombs.write(tmp_path / "42.zip", bombs.nested_zip_bomb(inner, 4, 2)))
    bounded(o, seconds=30)
    flagged(o, "zip.bomb")


def test_nested_zip_bomb_under_a_small_decompression_budget(scan, tmp_path: Path):
    inner = bombs.deflated_zip_member("zeros.bin", 8)  # under the ratio floor: real work
    data = bombs.nested_zip_bomb(inner, 8, 2)
    o = scan(bombs.write(tmp_path / "42.zip", data), max_decompressed_bytes=64 << 20)
    bounded(o, seconds=20)
    flagged(o, "zip.bomb")
    assert "limits.resource" in o.rules, str(o)


def test_overlapping_members_bomb(scan, tmp_path: Path):
    """20,000 directory entries sharing one 1 MiB deflated kernel (Fifield's overlap)."""
    data = overlapping_zip(copies=20_000, kernel_size=1 << 20)
    o = scan(bombs.write(tmp_path / "overlap.zip", data))
    bounded(o, seconds=20)
    flagged(o, "zip.overlapping-members")
