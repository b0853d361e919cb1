"""Stream an upload to a temporary file while hashing it, never holding it in memory.

The size cap is enforced inside the copy loop, so an endless or oversized stream stops at
most ``READ_AHEAD`` chunks past ``max_bytes``. Receiving runs one chunk ahead in a helper
thread, so the network read overlaps hashing and writing (each releases the GIL): on two
cores that is most of the difference between reading a body and storing it. On any
failure (too large, disk full, client gone) the temporary file is removed: nothing
half-written is ever handed to the blob store.
"""

from __future__ import annotations

import errno
import hashlib
import os
import queue
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CHUNK_BYTES = 1 << 20  # 1 MiB reads: few syscalls, bounded memory
READ_AHEAD = 4  # chunks received ahead of the writer: bounds memory to a few MiB
# Start writing dirty pages back every this many bytes, so the blob store's fsync at the
# end of a multi-GB upload finds little left to flush.
WRITEBACK_BYTES = 64 << 20


class _Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class UploadError(Exception):
    """An upload could not be stored. ``code`` is a stable string for API errors."""

    code = "UploadError"


class UploadTooLarge(UploadError):
    """The stream is larger than the configured cap (HTTP 413)."""

    code = "UploadTooLarge"

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"upload exceeds the limit of {max_bytes} bytes")
        self.max_bytes = max_bytes


class UploadStorageFull(UploadError):
    """The server ran out of disk space while receiving (HTTP 507)."""

    code = "InsufficientStorage"


class UploadIncomplete(UploadError):
    """The stream ended before ``expected_size`` bytes arrived (client went away)."""

    code = "UploadIncomplete"


@dataclass(frozen=True)
class StreamedFile:
    path: Path  # a finished temp file; the caller hands it to BlobStore.put or deletes it
    sha256: str
    size: int

    def __iter__(self):  # type: ignore[no-untyped-def]
        # allows ``path, sha256, size = stream_to_temp(...)``
        return iter((self.path, self.sha256, self.size))


def stream_to_temp(
    stream: _Readable,
    max_bytes: int,
    *,
    temp_dir: Path | str | None = None,
    expected_size: int | None = None,
) -> StreamedFile:
    """Copy ``stream`` to a new temp file in ``CHUNK_BYTES`` pieces, hashing as it goes.

    Raises ``UploadTooLarge`` past ``max_bytes``, ``UploadStorageFull`` on ENOSPC/EDQUOT,
    ``UploadIncomplete`` when fewer than ``expected_size`` bytes arrive. Returns
    ``StreamedFile(path, sha256, size)`` (unpackable as a tuple).
    """
    if temp_dir is not None:
        Path(temp_dir).mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=temp_dir, prefix="upload-", suffix=".part")
    path = Path(name)
    digest = hashlib.sha256()
    size = flushed = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in _read_ahead(stream):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge(max_bytes)
                digest.update(chunk)
                out.write(chunk)
                if size - flushed >= WRITEBACK_BYTES:
                    out.flush()
                    _start_writeback(out.fileno(), flushed, size - flushed)
                    flushed = size
            out.flush()
        if expected_size is not None and size != expected_size:
            raise UploadIncomplete(f"received {size} of {expected_size} bytes")
    except OSError as exc:
        path.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise UploadStorageFull("no space left on the server for this upload") from exc
        raise
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StreamedFile(path, digest.hexdigest(), size)


def _start_writeback(fd: int, offset: int, length: int) -> None:
    """Ask the kernel to begin writing ``[offset, offset+length)`` back (asynchronous)."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is not None:
        # On Linux, DONTNEED starts writeback of dirty pages without waiting for it.
        advise(fd, offset, length, os.POSIX_FADV_DONTNEED)


def _read_ahead(stream: _Readable) -> Iterator[bytes]:
    """The chunks of ``stream``, read by a helper thread up to ``READ_AHEAD`` chunks ahead.

    A read error is raised here, in the consumer; when the consumer stops early (size cap,
    disk full) the helper stops after its current read.
    """
    chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(READ_AHEAD)
    stop = threading.Event()

    def offer(item: bytes | BaseException | None) -> None:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def receive() -> None:
        try:
            while not stop.is_set():
                chunk = stream.read(CHUNK_BYTES)
                offer(chunk or None)
                if not chunk:
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            offer(exc)

    helper = threading.Thread(target=receive, name="upload-read-ahead", daemon=True)
    helper.start()
    try:
        while (item := chunks.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        helper.join()


_UNSAFE = re.compile(r"[^\w.+@=,-]+")


def original_filename(name: str | None, *, max_len: int = 255) -> str | None:
    """The name as the client sent it, for display only (pages escape it): control,
    format (bidi overrides, zero-width) and line/paragraph separator characters removed,
    bounded. Unlike ``display_filename`` it keeps ``<``, ``/`` and the rest, so a file
    called ``<b>x</b>.pkl`` is shown as that, not as ``b_.pkl``."""
    if not name:
        return None
    kept = "".join(
        ch
        for ch in unicodedata.normalize("NFC", name)
        if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co")
    )
    kept = kept.strip()
    return kept[:max_len] or None


def display_filename(name: str | None, *, max_len: int = 255) -> str:
    """A filename fit for display and logs: last path component, printable, bounded.

    Display metadata only -- blobs are stored by digest, never under this name.
    """
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if ch.isprintable())
    name = _UNSAFE.sub("_", name).strip("._ ") or "upload"
    if len(name) > max_len:
        stem, dot, ext = name.rpartition(".")
        name = (
            (stem[: max_len - len(ext) - 1] + "." + ext)
            if dot and len(ext) < 16
            else name[:max_len]
        )
    return name
