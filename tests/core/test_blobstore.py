"""Blob stores: content addressing, atomic puts, seekable reads; local and S3 (moto server)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from tests.core.samples import sha256
from weightscan.core.blobstore import (
    BlobNotFound,
    BlobStore,
    BlobStoreError,
    LocalBlobStore,
    S3BlobStore,
    blob_key,
    make_blobstore,
)


def _temp(tmp_path: Path, data: bytes, name: str = "upload.part") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_blob_key_is_derived_from_the_digest():
    digest = sha256(b"x")
    assert blob_key(digest) == f"{digest[:2]}/{digest[2:4]}/{digest}"


@pytest.mark.parametrize(
    "bad", ["", "../etc/passwd", "A" * 64, "g" * 64, "a" * 63, "a" * 64 + "\n"]
)
def test_blob_key_refuses_anything_but_a_lowercase_sha256(bad):
    with pytest.raises(ValueError):
        blob_key(bad)


def _exercise(store: BlobStore, tmp_path: Path) -> None:
    data = b"0123456789" * 1000
    digest = sha256(data)
    assert not store.exists(digest)
    temp = _temp(tmp_path, data)
    key = store.put(temp, digest)
    assert key == blob_key(digest)
    assert not temp.exists(), "the temp file is consumed"
    assert store.exists(digest)
    assert store.size(digest) == len(data)
    with store.open(digest) as f:
        f.seek(5000)
        assert f.read(10) == b"0123456789"
        f.seek(0)
        assert f.read() == data
    # Storing the same bytes again is a no-op that still consumes the temp file.
    again = _temp(tmp_path, data, "again.part")
    assert store.put(again, digest) == key
    assert not again.exists()
    store.delete(digest)
    assert not store.exists(digest)
    store.delete(digest)  # absent: no error
    with pytest.raises(BlobNotFound), store.open(digest):
        pass
    with pytest.raises(BlobNotFound):
        store.size(digest)
    store.check()


def test_local_blobstore_roundtrip(tmp_path):
    store = LocalBlobStore(tmp_path / "blobs")
    assert isinstance(store, BlobStore)
    _exercise(store, tmp_path)


def test_local_put_across_file_systems_copies_then_renames(tmp_path, monkeypatch):
    store = LocalBlobStore(tmp_path / "blobs")
    data = b"cross-device"
    digest = sha256(data)
    real_replace = os.replace
    calls = []

    def replace(src, dst):
        calls.append(src)
        if len(calls) == 1:  # the direct rename of the temp file
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    temp = _temp(tmp_path, data)
    store.put(temp, digest)
    assert store.path_for(digest).read_bytes() == data
    assert not temp.exists()
    assert list((tmp_path / "blobs" / ".tmp").iterdir()) == []


def test_local_put_failure_leaves_no_blob(tmp_path, monkeypatch):
    store = LocalBlobStore(tmp_path / "blobs")
    data = b"disk full"
    digest = sha256(data)

    def replace(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(BlobStoreError):
        store.put(_temp(tmp_path, data), digest)
    assert not store.exists(digest)


@pytest.fixture(scope="module")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_store(moto_endpoint, tmp_path, monkeypatch):
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = f"blobs-{tmp_path.name.lower().replace('_', '-')[:40]}"
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1").create_bucket(
        Bucket=bucket
    )
    return S3BlobStore(
        bucket, endpoint_url=moto_endpoint, region="us-east-1", cache_dir=tmp_path / "cache"
    )


def test_s3_blobstore_roundtrip(s3_store, tmp_path):
    assert isinstance(s3_store, BlobStore)
    _exercise(s3_store, tmp_path)
    assert list((tmp_path / "cache").iterdir()) == [], "the read cache file is removed"


def test_s3_multipart_upload_of_a_larger_blob(s3_store, tmp_path):
    data = os.urandom(9 * 1024 * 1024)  # above boto3's 8 MB multipart threshold
    digest = sha256(data)
    s3_store.put(_temp(tmp_path, data), digest)
    assert s3_store.size(digest) == len(data)
    with s3_store.open(digest) as f:
        f.seek(len(data) - 4)
        assert f.read() == data[-4:]


def test_s3_unreachable_is_a_blobstore_error(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    store = S3BlobStore("nope", client=client)
    with pytest.raises(BlobStoreError) as info:
        store.exists(sha256(b"x"))
    assert not isinstance(info.value, BlobNotFound)


def test_make_blobstore_follows_settings(settings, moto_endpoint):
    local = make_blobstore(settings)
    assert isinstance(local, LocalBlobStore)
    assert local.root == settings.home / "blobs"
    s3 = make_blobstore(
        settings.replace(
            blob_backend="s3", s3_bucket="b", s3_endpoint_url=moto_endpoint, s3_region="us-east-1"
        )
    )
    assert isinstance(s3, S3BlobStore)
    with pytest.raises(ValueError):
        make_blobstore(settings.replace(blob_backend="s3"))
    with pytest.raises(ValueError):
        make_blobstore(settings.replace(blob_backend="ftp"))
