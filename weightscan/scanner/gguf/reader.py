"""A forward cursor over a ``Source`` that reads in large blocks.

GGUF metadata is a long run of tiny fields (a 150k-token vocabulary is 150k strings);
reading them one ``read_at`` at a time would cost a syscall each. The cursor keeps a
window of ``BLOCK`` bytes and decodes fields from it with ``struct.unpack_from``.
"""

from __future__ import annotations

import struct

from weightscan.scanner.errors import MalformedInput
from weightscan.scanner.source import Source

BLOCK = 4 << 20  # 4 MiB window


class LengthPastEnd(Exception):
    """A declared length (string, array) runs past the end of the file."""

    def __init__(self, what: str, length: int, offset: int, remaining: int) -> None:
        super().__init__(
            f"{what} length {length} at byte {offset} exceeds the "
            f"{remaining} bytes left in the file"
        )
        self.what, self.length, self.offset, self.remaining = what, length, offset, remaining


class Cursor:
    def __init__(
        self, source: Source, pos: int = 0, *, big_endian: bool = False, wide: bool = True
    ) -> None:
        self.source = source
        self.size = source.size
        self.pos = pos
        self.endian = ">" if big_endian else "<"
        self.wide = wide  # GGUF v2+: 64-bit lengths and counts; v1: 32-bit
        self.len_size = 8 if wide else 4
        self._len_fmt = struct.Struct(self.endian + ("Q" if wide else "I"))
        self._buf = b""
        self._base = 0

    @property
    def remaining(self) -> int:
        return self.size - self.pos

    def _window(self, n: int) -> int:
        """Make ``[pos, pos + n)`` available; return its index in the window."""
        p = self.pos - self._base
        if p < 0 or p + n > len(self._buf):
            self._buf = self.source.read_at(self.pos, max(n, BLOCK))
            self._base = self.pos
            p = 0
            if n > len(self._buf):
                raise MalformedInput(f"file ends inside a {n}-byte field", offset=self.pos)
        return p

    def unpack(self, code: str) -> int | float | bool:
        s = struct.Struct(self.endian + code)
        p = self._window(s.size)
        self.pos += s.size
        value: int | float | bool = s.unpack_from(self._buf, p)[0]
        return value

    def u32(self) -> int:
        return int(self.unpack("I"))

    def u64(self) -> int:
        return int(self.unpack("Q"))

    def length(self) -> int:
        """A string/array length or a count: u64 (v2+) or u32 (v1)."""
        p = self._window(self.len_size)
        self.pos += self.len_size
        value: int = self._len_fmt.unpack_from(self._buf, p)[0]
        return value

    def take(self, n: int) -> bytes:
        """``n`` bytes (callers bound ``n`` first)."""
        if n > self.remaining:
            raise LengthPastEnd("field", n, self.pos, self.remaining)
        if n <= BLOCK:
            p = self._window(n)
            self.pos += n
            return self._buf[p : p + n]
        data = self.source.read_at(self.pos, n)
        self.pos += n
        return data

    def skip(self, n: int, what: str) -> None:
        if n > self.remaining:
            raise LengthPastEnd(what, n, self.pos, self.remaining)
        self.pos += n

    def string_length(self, what: str) -> int:
        start = self.pos
        n = self.length()
        if n > self.remaining:
            raise LengthPastEnd(what, n, start, self.remaining)
        return n

    def skip_strings(self, count: int, max_len: int) -> int:
        """Walk ``count`` length-prefixed strings without decoding them.

        Returns the index of the first string longer than ``max_len`` (or ``count``);
        raises ``LengthPastEnd`` for a length the file cannot back.
        """
        unpack_from = self._len_fmt.unpack_from
        ls = self.len_size
        size = self.size
        buf, base, pos = self._buf, self._base, self.pos
        for i in range(count):
            p = pos - base
            if p < 0 or p + ls > len(buf):
                if pos > size:  # an earlier string ran past the end
                    self._buf, self._base, self.pos = buf, base, size
                    raise LengthPastEnd("array string", pos - size, size, 0)
                buf, base, p = self.source.read_at(pos, BLOCK), pos, 0
                if len(buf) < ls:
                    self._buf, self._base, self.pos = buf, base, pos
                    raise MalformedInput("file ends inside a string array", offset=pos)
            n = unpack_from(buf, p)[0]
            if n > max_len:
                self._buf, self._base, self.pos = buf, base, pos
                if n > size - pos - ls:
                    raise LengthPastEnd("array string", n, pos, size - pos - ls)
                return i
            pos += ls + n
        if pos > size:
            self._buf, self._base, self.pos = buf, base, size
            raise LengthPastEnd("array string", pos - size, size, 0)
        self._buf, self._base, self.pos = buf, base, pos
        return count
