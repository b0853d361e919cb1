"""Bounded reading of flatbuffer tables, vectors and strings over a ``Source``.

Flatbuffer facts (https://flatbuffers.dev/internals/): the file starts with a uoffset
(u32) to the root table, then an optional 4-byte file identifier. A table starts with an
soffset (i32) back to its vtable; the vtable holds its own size (u16), the table's size
(u16) and one u16 offset per field (0: absent). Offsets to tables, vectors and strings
are u32 relative to where they are stored. Vectors and strings start with a u32 count.
Every position is checked against the file before it is read.
"""

from __future__ import annotations

import struct

from weightscan.scanner.errors import MalformedInput
from weightscan.scanner.source import Source


class Flatbuffer:
    def __init__(self, source: Source) -> None:
        self.source = source

    def _read(self, pos: int, n: int, what: str) -> bytes:
        if pos < 0 or pos + n > self.source.size:
            raise MalformedInput(f"{what} lies outside the file", offset=pos)
        return self.source.read_at(pos, n)

    def u32(self, pos: int, what: str = "offset") -> int:
        value: int = struct.unpack("<I", self._read(pos, 4, what))[0]
        return value

    def root(self) -> int:
        return self.deref(0, "root table")

    def deref(self, pos: int, what: str) -> int:
        """The position a uoffset stored at ``pos`` points to."""
        target = pos + self.u32(pos, what)
        if target >= self.source.size:
            raise MalformedInput(f"{what} points past the end of the file", offset=pos)
        return target

    def field(self, table: int, index: int) -> int | None:
        """The position of field ``index`` of the table at ``table``, or None if absent."""
        soffset: int = struct.unpack("<i", self._read(table, 4, "table"))[0]
        vtable = table - soffset
        vt_size, _ = struct.unpack("<HH", self._read(vtable, 4, "vtable"))
        if vt_size < 4 or vt_size % 2:
            raise MalformedInput("vtable with an invalid size", offset=vtable)
        if 4 + 2 * index + 2 > vt_size:
            return None
        (rel,) = struct.unpack("<H", self._read(vtable + 4 + 2 * index, 2, "vtable"))
        return table + rel if rel else None

    def scalar(self, table: int, index: int, fmt: str, default: int = 0) -> int:
        pos = self.field(table, index)
        if pos is None:
            return default
        value: int = struct.unpack("<" + fmt, self._read(pos, struct.calcsize(fmt), "field"))[0]
        return value

    def vector(self, table: int, index: int, elem_size: int, what: str) -> tuple[int, int] | None:
        """(first element position, count) of a vector field, checked against the file."""
        pos = self.field(table, index)
        if pos is None:
            return None
        start = self.deref(pos, what)
        count = self.u32(start, what)
        if start + 4 + count * elem_size > self.source.size:
            raise MalformedInput(
                f"{what}: {count} elements run past the end of the file", offset=start
            )
        return start + 4, count

    def tables(self, table: int, index: int, what: str, limit: int) -> list[int]:
        """Positions of the tables of a vector-of-tables field (at most ``limit``)."""
        vec = self.vector(table, index, 4, what)
        if vec is None:
            return []
        start, count = vec
        raw = self._read(start, 4 * min(count, limit), what)
        offsets = struct.unpack(f"<{len(raw) // 4}I", raw)
        return [start + 4 * i + off for i, off in enumerate(offsets)]

    def count(self, table: int, index: int, what: str) -> int:
        vec = self.vector(table, index, 1, what)
        return 0 if vec is None else vec[1]

    def string(self, table: int, index: int, limit: int = 256) -> str | None:
        vec = self.vector(table, index, 1, "string")
        if vec is None:
            return None
        start, count = vec
        return self._read(start, min(count, limit), "string").decode("utf-8", "replace")
