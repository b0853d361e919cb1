"""Content-addressed blob storage: a local directory, or any S3-compatible object store.

A blob's key is derived from its SHA-256 (``ab/cd/abcdef…``), so content cannot change
without its key changing, and the user's filename never reaches the file system.

``put`` takes a *finished* temporary file (see ``weightscan.core.uploads.stream_to_temp``) and makes
it visible atomically: a reader either finds the whole blob or nothing. ``open`` returns
a seekable binary file, because the scanner seeks.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

from weightscan.core.settings import Settings

_SHA256 = re.compile(r"\A[0-9a-f]{64}\Z")
_COPY_CHUNK = 4 << 20


class BlobStoreError(Exception):
    """The blob store failed (I/O error, network, permissions). Transient as far as the
    worker is concerned: the task retries with backoff."""


class BlobStoreFull(BlobStoreError):
    """The blob store has no space left (ENOSPC, EDQUOT): nothing was stored."""


class BlobNotFound(BlobStoreError):
    """No blob under this digest (never stored, or purged)."""


def blob_key(sha256: str) -> str:
    """The storage key of a digest: ``ab/cd/abcdef…`` (lower-case hex only)."""
    if not _SHA256.match(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256[:80]!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


@runtime_checkable
class BlobStore(Protocol):
    """Where uploaded bytes live, addressed by their SHA-256."""

    def put(self, temp_path: Path, sha256: str) -> str:
        """Store the finished file ``temp_path`` under ``sha256`` and return its key.

        The temp file is consumed (moved or deleted). Storing a digest that already
        exists is a no-op. The digest is the caller's computation; it is not re-checked.
        """
        ...

    def open(self, sha256: str) -> contextlib.AbstractContextManager[BinaryIO]:
        """A context manager yielding a seekable binary reader over the blob."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int:
        """Size in bytes; raises ``BlobNotFound``."""
        ...

    def delete(self, sha256: str) -> None:
        """Remove the blob (no error if it is absent)."""
        ...

    def check(self) -> None:
        """Raise ``BlobStoreError`` if the store is unreachable (used by /readyz)."""
        ...


class LocalBlobStore:
    """Blobs as files under one directory (a shared volume works for several machines)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._tmp = self.root / ".tmp"

    def path_for(self, sha256: str) -> Path:
        return self.root / blob_key(sha256)

    def put(self, temp_path: Path, sha256: str) -> str:
        key = blob_key(sha256)
        final = self.root / key
        temp_path = Path(temp_path)
        try:
            if final.exists():
                temp_path.unlink(missing_ok=True)
                return key
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                # Same file system: fsync the data, then an atomic rename.
                _fsync_file(temp_path)
                os.replace(temp_path, final)
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
                # Temp dir on another file system: copy to a temp name beside the
                # destination, fsync, rename -- never a half-written blob under its key.
                self._tmp.mkdir(parents=True, exist_ok=True)
                fd, staged = tempfile.mkstemp(dir=self._tmp, prefix="put-")
                try:
                    with os.fdopen(fd, "wb") as out, open(temp_path, "rb") as src:
                        shutil.copyfileobj(src, out, _COPY_CHUNK)
                        out.flush()
                        os.fsync(out.fileno())
                    os.replace(staged, final)
                except BaseException:
                    Path(staged).unlink(missing_ok=True)
                    raise
                temp_path.unlink(missing_ok=True)
            _fsync_dir(final.parent)
        except OSError as exc:
            reason = f"cannot store blob {sha256[:12]}: {exc.strerror or exc}"
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise BlobStoreFull(reason) from exc
            raise BlobStoreError(reason) from exc
        return key

    @contextlib.contextmanager
    def open(self, sha256: str) -> Iterator[BinaryIO]:
        try:
            f = open(self.path_for(sha256), "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        except OSError as exc:
            raise BlobStoreError(f"cannot open blob {sha256[:12]}: {exc}") from exc
        with f:
            yield f

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def size(self, sha256: str) -> int:
        try:
            return self.path_for(sha256).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def delete(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if not os.access(self.root, os.W_OK):
                raise BlobStoreError(f"blob directory {self.root} is not writable")
        except OSError as exc:
            raise BlobStoreError(f"blob directory {self.root}: {exc}") from exc


class S3BlobStore:
    """Blobs as objects in an S3-compatible bucket (AWS, MinIO, Ceph …).

    Reading for the scanner downloads the object to a local cache file first (the scanner
    seeks a lot, and ranged GETs per seek would be slow); the cache file is deleted when
    the ``open`` context exits.
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "blobs/",
        endpoint_url: str | None = None,
        region: str | None = None,
        cache_dir: Path | str | None = None,
        client: Any = None,
    ) -> None:
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url or None,
                region_name=region or None,
                config=Config(retries={"max_attempts": 5, "mode": "standard"}),
            )
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.cache_dir = Path(cache_dir) if cache_dir else None

    def object_key(self, sha256: str) -> str:
        return self.prefix + blob_key(sha256)

    def put(self, temp_path: Path, sha256: str) -> str:
        key = self.object_key(sha256)
        temp_path = Path(temp_path)
        try:
            if not self.exists(sha256):
                # upload_file uses multipart above 8 MB; an object only becomes visible
                # once the (multipart) upload completes, so no half-written blob is seen.
                self.client.upload_file(
                    str(temp_path), self.bucket, key, ExtraArgs={"Metadata": {"sha256": sha256}}
                )
        except Exception as exc:
            raise _s3_error(exc, sha256) from exc
        temp_path.unlink(missing_ok=True)
        return blob_key(sha256)

    @contextlib.contextmanager
    def open(self, sha256: str) -> Iterator[BinaryIO]:
        if self.cache_dir is not None:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=self.cache_dir, prefix="s3blob-") as f:
            try:
                self.client.download_fileobj(self.bucket, self.object_key(sha256), f)
            except Exception as exc:
                raise _s3_error(exc, sha256) from exc
            f.seek(0)
            yield f

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_key(sha256))
        except Exception as exc:
            err = _s3_error(exc, sha256)
            if isinstance(err, BlobNotFound):
                return False
            raise err from exc
        return True

    def size(self, sha256: str) -> int:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_key(sha256))
        except Exception as exc:
            raise _s3_error(exc, sha256) from exc
        return int(head["ContentLength"])

    def delete(self, sha256: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.object_key(sha256))
        except Exception as exc:
            err = _s3_error(exc, sha256)
            if not isinstance(err, BlobNotFound):
                raise err from exc

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            raise BlobStoreError(f"S3 bucket {self.bucket}: {exc}") from exc


def make_blobstore(settings: Settings) -> BlobStore:
    """The blob store the settings ask for (``blob_backend``: ``local`` or ``s3``)."""
    if settings.blob_backend == "local":
        return LocalBlobStore(settings.resolved_blob_dir)
    if settings.blob_backend == "s3":
        if not settings.s3_bucket:
            raise ValueError("WEIGHTSCAN_S3_BUCKET is required with WEIGHTSCAN_BLOB_BACKEND=s3")
        return S3BlobStore(
            settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url or None,
            region=settings.s3_region or None,
            cache_dir=settings.home / "cache",
        )
    raise ValueError(f"unknown blob backend {settings.blob_backend!r} (local or s3)")


def _s3_error(exc: Exception, sha256: str) -> BlobStoreError:
    code = ""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code", ""))
    if code in ("404", "NoSuchKey", "NotFound"):
        return BlobNotFound(sha256)
    return BlobStoreError(f"S3 error for blob {sha256[:12]}: {exc}")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    # Makes the rename durable; not supported everywhere, so best effort.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
