"""Hostile file names (path traversal, bidi overrides, zero-width characters, homoglyphs,
NUL bytes, very long names) through PUT and the form: the stored display name is
sanitised, the blob key is the sha256 alone, and nothing is written outside the blob
directory."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from tests.security.conftest import bearer, csrf_of, db_session, login, new_token
from tests.security.samples import clean_pickle
from weightscan.core.models import Scan, StoredFile

HOSTILE_NAMES = [
    "../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "..\\..\\windows\\system32\\cmd.exe",
    "/abs/path/model.pkl",
    "model\u202egnp.pkl",  # RTL override: displays as "modellkp.png"
    "mo\u200bdel\u200d.pkl",  # zero-width space / joiner
    "\u0440\u0430\u0443\u0440\u0430l.pkl",  # Cyrillic homoglyphs of "paypal"
    "ｍｏｄｅｌ.pkl",  # fullwidth
    "a\x00b.pkl",
    "line\nbreak\r.pkl",
    "<script>alert(1)</script>.pkl",
    "x" * 5000 + ".pkl",
    ".",
    "..",
]


def check_display_name(name: str) -> None:
    assert 0 < len(name) <= 255
    assert "/" not in name
    assert "\\" not in name
    assert name not in (".", "..")
    assert "<" not in name
    assert ">" not in name
    for ch in name:
        assert unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"), repr(name)


def blob_files(home: Path) -> list[Path]:
    return [p for p in (home / "blobs").rglob("*") if p.is_file()]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_put_with_a_hostile_name(app, name):
    client = app.test_client()
    _id, token = new_token(app, "t")
    data = clean_pickle(f"name-{HOSTILE_NAMES.index(name)}")
    response = client.put(
        "/api/v1/uploads/" + quote(name, safe=""),
        data=io.BytesIO(data),
        headers={"Content-Length": str(len(data)), **bearer(token)},
    )
    # 308: werkzeug merges the "//" of a decoded absolute name; no scan is made then.
    assert response.status_code in (202, 308, 400, 404), response.status_code
    if response.status_code != 202:
        with db_session(app) as db:
            assert db.scalar(select(Scan.id)) is None
        return
    with db_session(app) as db:
        scan = db.get(Scan, response.json["id"])
        check_display_name(scan.filename)
        stored = db.get(StoredFile, scan.file_sha256)
    home = app.config["WEIGHTSCAN_SETTINGS"].home
    blobs = blob_files(home)
    assert blobs, "the blob was stored"
    for blob in blobs:
        assert blob.resolve().is_relative_to((home / "blobs").resolve())
        assert scan.file_sha256 in blob.name or scan.file_sha256 in str(blob)
        assert "passwd" not in str(blob)
    assert stored is not None
    assert stored.blob_key.endswith(scan.file_sha256)
    assert set(stored.blob_key) <= set("0123456789abcdef/")  # from the digest alone
    assert not (home / "etc").exists()
    assert not (home.parent / "etc").exists()


def test_form_upload_with_hostile_names(app):
    client = app.test_client()
    _id, token = new_token(app, "browser")
    login(client, token)
    files = [
        (io.BytesIO(clean_pickle(f"f{i}")), name)
        for i, name in enumerate(HOSTILE_NAMES)
        if not {"\x00", "\n"} & set(name)
    ]
    files.append((io.BytesIO(clean_pickle("nul")), "nul\x00byte.pkl"))
    response = client.post(
        "/upload",
        data={"csrf_token": csrf_of(client), "file": files},
        content_type="multipart/form-data",
    )
    assert response.status_code in (201, 303), response.status_code
    with db_session(app) as db:
        names = list(db.scalars(select(Scan.filename).where(Scan.kind == "file")))
    assert len(names) == len(files)
    for name in names:
        check_display_name(name)
    page = client.get(f"{response.headers['Location']}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "\u202e" not in page
