"""Archives in archives and compression in compression, past the nesting limit."""

from __future__ import annotations

from pathlib import Path

from tests.abuse import bombs
from tests.abuse.expect import bounded, flagged
from tests.fixtures.archives import P2_PAYLOAD, nested_zip


def test_zip_nested_12_deep(scan, tmp_path: Path):
    o = scan(bombs.write(tmp_path / "deep.zip", nested_zip(P2_PAYLOAD, 12)))
    bounded(o, seconds=10)
    flagged(o, "limits.nesting")
    assert "limits.nesting" in o.rules, str(o)


def test_gzip_nested_20_deep(scan, tmp_path: Path):
    o = scan(bombs.write(tmp_path / "deep.gz", bombs.nested_gzip(P2_PAYLOAD, 20)))
    bounded(o, seconds=10)
    assert "limits.nesting" in o.rules, str(o)


def test_zip_tar_gzip_chain_past_the_limit(scan, tmp_path: Path):
    o = scan(bombs.write(tmp_path / "chain.gz", bombs.mixed_nesting(P2_PAYLOAD, 4)))
    bounded(o, seconds=10)
    assert "limits.nesting" in o.rules, str(o)


def test_zip_tar_gzip_chain_within_the_limit_finds_the_payload(scan, tmp_path: Path):
    o = scan(bombs.write(tmp_path / "chain.gz", bombs.mixed_nesting(P2_PAYLOAD, 1)))
    bounded(o, seconds=10)
    assert o.verdict == "malicious", str(o)


def test_nesting_limit_is_configurable(scan, tmp_path: Path):
    o = scan(bombs.write(tmp_path / "deep.zip", nested_zip(P2_PAYLOAD, 3)), max_nesting_depth=2)
    bounded(o, seconds=10)
    assert "limits.nesting" in o.rules, str(o)
