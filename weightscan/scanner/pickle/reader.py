"""A forward-only chunked reader over a ``Source``, built for the engine's hot loop.

The engine keeps ``data`` (the current chunk) and a position in local variables and
calls back here only to refill, to read a long argument, or to skip bytes. Attacker
lengths are checked against the bytes left in the source before anything is read.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import BinaryIO

from weightscan.scanner.source import Source

CHUNK = 1 << 20
LOOKAHEAD = 512  # bytes guaranteed in ``data`` after the opcode (unless at end of source)


class Reader:
    def __init__(self, source: Source, start: int = 0) -> None:
        self.source = source
        self.size = source.size
        self._f: BinaryIO = source.open()
        if start:
            self._f.seek(start)
        self.base = start  # offset in the source of data[0]
        self.data = b""
        self.pos = 0  # where in ``data`` the engine goes on (set when a pickle stops)
        self.eof = start >= self.size
        # called before each further chunk of one long text line: it is read here, between
        # the engine's own budget checks
        self.on_refill: Callable[[], None] | None = None

    def close(self) -> None:
        self._f.close()

    @property
    def offset(self) -> int:
        """Source offset where the engine goes on (after the last pickle's STOP)."""
        return self.base + self.pos

    def remaining(self, pos: int) -> int:
        """Bytes of the source after ``data[pos]``'s offset."""
        return self.size - (self.base + pos)

    def refill(self, pos: int, need: int = LOOKAHEAD) -> tuple[bytes, int]:
        """Drop consumed bytes and append more, so that ``need`` bytes follow ``pos``."""
        tail = self.data[pos:]
        self.base += pos
        want = max(CHUNK, need - len(tail))
        chunk = self._f.read(want)
        if len(chunk) < want:
            self.eof = True
        self.data = tail + chunk if tail else chunk
        self.pos = 0
        return self.data, 0

    def take(self, pos: int, n: int, keep: int) -> tuple[bytes, int, int]:
        """Read an ``n``-byte argument at ``pos``, keeping at most ``keep`` bytes.

        Returns (kept bytes, new data position, source offset of the argument). The
        caller has checked ``n`` against ``remaining``. Bytes past ``keep`` are skipped
        by seeking, never read into memory.
        """
        offset = self.base + pos
        if n <= keep:
            if pos + n > len(self.data):
                self.data, pos = self.refill(pos, n)
            return self.data[pos : pos + n], pos + n, offset
        if pos + keep > len(self.data):
            self.data, pos = self.refill(pos, keep)
        prefix = self.data[pos : pos + keep]
        self.skip_to(offset + n)
        return prefix, 0, offset

    def skip_to(self, offset: int) -> None:
        """Continue reading at source ``offset`` (data becomes empty)."""
        self._f.seek(offset, io.SEEK_SET)
        self.base = offset
        self.data = b""
        self.pos = 0
        self.eof = offset >= self.size

    def line(self, pos: int, keep: int) -> tuple[bytes | None, int, int]:
        """A newline-terminated line at ``pos`` (without the newline), prefix-kept.

        Returns (line or None if the source ends first, new position, full length).
        """
        data = self.data
        i = data.find(b"\n", pos)
        if i >= 0:
            line = data[pos:i]
            if len(line) > keep:
                line = line[:keep]
            return line, i + 1, i - pos
        # slow path: the line crosses chunks; keep a prefix
        prefix = bytearray()

        def keep_prefix(piece: bytes) -> None:
            if len(prefix) < keep:
                prefix.extend(piece[: keep - len(prefix)])

        end = self.feed_line(pos, keep_prefix)
        if end is None:
            return None, len(self.data), 0
        return bytes(prefix), end[0], end[1]

    def feed_line(self, pos: int, sink: Callable[[bytes], None]) -> tuple[int, int] | None:
        """Hand the newline-terminated line at ``pos`` to ``sink`` in pieces (newline
        excluded), holding at most a chunk in memory.

        Returns (position after the newline, line length), or None when the source ends
        before the newline.
        """
        length = 0
        while True:
            data = self.data
            i = data.find(b"\n", pos)
            if i >= 0:
                sink(data[pos:i])
                return i + 1, length + i - pos
            sink(data[pos:])
            length += len(data) - pos
            if self.eof:
                return None
            if self.on_refill is not None:
                self.on_refill()
            self.data, pos = self.refill(len(data), CHUNK)
