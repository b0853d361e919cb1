"""Random access to a byte range of a file, without ever reading it whole.

A ``Source`` is what every analyzer receives: the top-level file, a stored zip member
(a window on the same file, no copy), or a decompressed member spooled to a bounded
temporary file.
"""

from __future__ import annotations

import io
import os
from typing import BinaryIO

READ_CHUNK = 1 << 20  # 1 MiB: large enough for throughput, small enough to stay bounded


class Source:
    """The bytes ``[offset, offset + size)`` of a seekable binary file."""

    def __init__(
        self, fileobj: BinaryIO, offset: int = 0, size: int | None = None, *, name: str = ""
    ) -> None:
        if size is None:
            fileobj.seek(0, os.SEEK_END)
            size = max(0, fileobj.tell() - offset)
        self._f = fileobj
        self.offset = offset
        self.size = size
        self.name = name  # display name (archive member name, or the file name)

    def read_at(self, pos: int, n: int) -> bytes:
        """Up to ``n`` bytes at ``pos`` (fewer at the end; empty past it)."""
        if pos < 0 or n <= 0 or pos >= self.size:
            return b""
        n = min(n, self.size - pos)
        self._f.seek(self.offset + pos)
        return self._f.read(n)

    @property
    def region(self) -> tuple[int, int, int]:
        """Identity of these bytes: (underlying file, offset, size)."""
        return (id(self._f), self.offset, self.size)

    @property
    def disk_path(self) -> str | None:
        """The path of the file on disk when this source is a whole file opened by path
        (its siblings can then be looked at); None for streams and archive members. The
        caller must also know the source is a top-level file, not a spooled member."""
        path = getattr(self._f, "name", None)
        if self.offset != 0 or not isinstance(path, str) or not os.path.isfile(path):
            return None
        return path

    def head(self, n: int) -> bytes:
        return self.read_at(0, n)

    def slice(self, pos: int, size: int, *, name: str | None = None) -> Source:
        """A sub-range of this source (clamped to its end)."""
        pos = max(0, min(pos, self.size))
        size = max(0, min(size, self.size - pos))
        return Source(self._f, self.offset + pos, size, name=self.name if name is None else name)

    def open(self) -> BinaryIO:
        """A fresh sequential reader over this range, positioned at its start."""
        return io.BufferedReader(_RangeReader(self._f, self.offset, self.size), READ_CHUNK)


class _RangeReader(io.RawIOBase):
    """A raw, seekable reader over one byte range of a shared file object."""

    def __init__(self, f: BinaryIO, offset: int, size: int) -> None:
        self._f, self._offset, self._size, self._pos = f, offset, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._size - self._pos)
        if n <= 0:
            return 0
        self._f.seek(self._offset + self._pos)
        data = self._f.read(n)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)
