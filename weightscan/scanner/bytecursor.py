"""A forward cursor over a ``Source`` for small little-endian binary headers.

Every read is checked against the end of the file and fails as ``MalformedInput`` naming
what was being read; skipped regions (tensor bytes) are never read.
"""

from __future__ import annotations

import struct

from weightscan.scanner.errors import MalformedInput
from weightscan.scanner.source import Source


class ByteCursor:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.pos = 0

    def take(self, n: int, what: str) -> bytes:
        data = self.source.read_at(self.pos, n)
        if len(data) != n:
            raise MalformedInput(f"{what} runs past the end of the file", offset=self.pos)
        self.pos += n
        return data

    def unpack(self, fmt: str, what: str) -> tuple[int, ...]:
        """Little-endian integers: ``fmt`` is a struct format without the byte order."""
        values: tuple[int, ...] = struct.unpack(
            "<" + fmt, self.take(struct.calcsize("<" + fmt), what)
        )
        return values

    def skip(self, n: int, what: str) -> None:
        if n < 0 or self.pos + n > self.source.size:
            raise MalformedInput(f"{what} runs past the end of the file", offset=self.pos)
        self.pos += n
