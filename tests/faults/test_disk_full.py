"""The disk fills up during an upload. The upload temp directory (``home/tmp``) or the
blob directory is a tiny tmpfs of its own, mounted for the test (needs root and mount
permission; skipped with the reason otherwise). Expected: a clear problem+json error
(507 Insufficient Storage), no half-stored blob registered, no scan row, no temp file
left; and once there is room again, uploads work."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.core.samples import clean_pickle
from tests.faults.helpers import fault_settings, make_app, put, sessions_of
from weightscan.core.models import Scan, StoredFile

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]
TINY = 1024 * 1024


@contextlib.contextmanager
def tiny_filesystem(path: Path, size: int = TINY) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def big_pickle(size: int) -> bytes:
    body = b"\x80\x04\x95" + b"\x00" * 8 + b"B" + (size - 16).to_bytes(4, "little")
    return body + b"w" * (size - len(body) - 1) + b"."


def nothing_recorded(app, home: Path) -> None:
    with sessions_of(app)() as db:
        assert db.scalar(select(func.count()).select_from(Scan)) == 0
        assert db.scalar(select(func.count()).select_from(StoredFile)) == 0
    for sub in ("tmp", "blobs"):
        left = [p for p in (home / sub).rglob("*") if p.is_file()]
        assert left == [], (sub, left)


def assert_507(response) -> None:
    assert response.status_code == 507, (response.status_code, response.get_data()[:300])
    assert response.mimetype == "application/problem+json"
    assert "space" in response.json["detail"] or "storage" in response.json["detail"].lower()


def test_disk_full_while_receiving_the_upload(tmp_path, migrated_db):
    home = tmp_path / "home"
    app = make_app(fault_settings(home, database_url=migrated_db, broker_url="filesystem://"))
    client = app.test_client()
    try:
        with tiny_filesystem(home / "tmp"):
            assert_507(put(client, big_pickle(3 * TINY), "big.pkl"))
            nothing_recorded(app, home)
            # Room again (the failed upload freed its space): a small file goes through.
            assert put(client, clean_pickle(5), "small.pkl").status_code == 202
    finally:
        app.extensions["weightscan.engine"].dispose()


def test_disk_full_while_storing_the_blob(tmp_path, migrated_db):
    home = tmp_path / "home"
    app = make_app(fault_settings(home, database_url=migrated_db, broker_url="filesystem://"))
    client = app.test_client()
    try:
        with tiny_filesystem(home / "blobs"):
            response = put(client, big_pickle(3 * TINY), "big.pkl")
            nothing_recorded(app, home)
            assert_507(response)
    finally:
        app.extensions["weightscan.engine"].dispose()


def test_disk_full_while_storing_the_blob_leaves_nothing_behind(tmp_path, migrated_db):
    """Whatever the status code, a failed blob write registers nothing."""
    home = tmp_path / "home"
    app = make_app(fault_settings(home, database_url=migrated_db, broker_url="filesystem://"))
    client = app.test_client()
    try:
        with tiny_filesystem(home / "blobs"):
            response = put(client, big_pickle(3 * TINY), "big.pkl")
            assert response.status_code >= 500
            assert response.mimetype == "application/problem+json"
            nothing_recorded(app, home)
            assert put(client, clean_pickle(6), "small.pkl").status_code == 202
    finally:
        app.extensions["weightscan.engine"].dispose()
