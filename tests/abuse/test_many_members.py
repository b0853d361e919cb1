"""Archives with 10,000 members: analysed within budget; over the member limit, flagged."""

from __future__ import annotations

from pathlib import Path

from tests.abuse import bombs
from tests.abuse.expect import bounded, flagged


def test_zip_of_10_000_pickles_one_malicious(scan, tmp_path: Path):
    """Every member is analysed: the last one's payload is found."""
    from tests.fixtures.archives import BENIGN, P2_PAYLOAD, make_zip

    members = {f"shard/{i:05d}.pkl": BENIGN for i in range(10_000)}
    members["shard/09999.pkl"] = P2_PAYLOAD
    o = scan(bombs.write(tmp_path / "shards.zip", make_zip(members)))
    bounded(o, seconds=30)
    assert o.verdict == "malicious", str(o)


def test_tar_of_10_000_pickles(scan, tmp_path: Path):
    o = scan(bombs.write(tmp_path / "shards.tar", bombs.many_members_tar(10_000)))
    bounded(o, seconds=30)
    assert o.verdict in ("clean", "suspicious"), str(o)


def test_zip_over_the_member_limit(scan, tmp_path: Path):
    o = scan(
        bombs.write(tmp_path / "shards.zip", bombs.many_members_zip(2_000)),
        max_archive_members=1_000,
    )
    bounded(o, seconds=10)
    flagged(o, "zip.too-many-members", "archive.too-many-members")


def test_tar_over_the_member_limit(scan, tmp_path: Path):
    o = scan(
        bombs.write(tmp_path / "shards.tar", bombs.many_members_tar(2_000)),
        max_archive_members=1_000,
    )
    bounded(o, seconds=10)
    flagged(o, "archive.too-many-members", "zip.too-many-members")
