"""A forward reader over a ``Source`` through a large window: word-vector files are long
runs of small fields between big float blocks, read once, front to back."""

from __future__ import annotations

import struct

from weightscan.scanner.errors import MalformedInput
from weightscan.scanner.source import Source

BLOCK = 4 << 20


class Window:
    def __init__(self, source: Source, pos: int = 0) -> None:
        self.source, self.size, self.pos = source, source.size, pos
        self._buf, self._base = b"", 0

    def _ensure(self, n: int) -> int:
        p = self.pos - self._base
        if p < 0 or p + n > len(self._buf):
            self._buf, self._base, p = self.source.read_at(self.pos, max(n, BLOCK)), self.pos, 0
        if p + n > len(self._buf):
            raise MalformedInput(f"file ends inside a {n}-byte field", offset=self.pos)
        return p

    def take(self, n: int) -> bytes:
        p = self._ensure(n)
        self.pos += n
        return self._buf[p : p + n]

    def unpack(self, fmt: str) -> tuple[int | float, ...]:
        s = struct.Struct("<" + fmt)
        p = self._ensure(s.size)
        self.pos += s.size
        return s.unpack_from(self._buf, p)

    def until(self, stop: bytes, limit: int) -> bytes:
        """Bytes up to (not including) ``stop``, which is consumed; at most ``limit``."""
        p = self._ensure(0)
        end = self._buf.find(stop, p, p + limit + 1)
        if end < 0 and len(self._buf) - p < limit + 1 and self._base + len(self._buf) < self.size:
            self._buf, self._base = self.source.read_at(self.pos, BLOCK), self.pos
            p = 0
            end = self._buf.find(stop, 0, limit + 1)
        if end < 0:
            raise MalformedInput(f"no {stop!r} within {limit} bytes", offset=self.pos)
        self.pos += end - p + 1
        return self._buf[p:end]

    def skip(self, n: int, what: str) -> None:
        if n < 0 or self.pos + n > self.size:
            raise MalformedInput(
                f"{what} of {n} bytes runs past the end of the file", offset=self.pos
            )
        self.pos += n

    @property
    def remaining(self) -> int:
        return self.size - self.pos
