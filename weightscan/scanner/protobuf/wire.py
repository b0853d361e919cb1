"""A bounded reader of the protobuf wire format over a ``Source``.

Wire format facts (https://protobuf.dev/programming-guides/encoding/): a message is a
sequence of fields ``tag value``; ``tag = field_number << 3 | wire_type``. Wire types:
0 varint, 1 fixed 64-bit, 2 length-delimited (strings, bytes, sub-messages, packed
repeated scalars), 5 fixed 32-bit; 3 and 4 (groups) are deprecated and never written by
the exporters we read, so they are refused. Varints are at most 10 bytes.

How real parsers combine fields, which the walkers built on this reader mirror: a
singular scalar or string that appears twice keeps the last value; a singular message
that appears twice is merged (so every occurrence must be walked); repeated scalars may
come packed (one length-delimited field) or one by one.

The reader keeps a small window of the file in memory and reads forward from it; a
length-delimited value the walker does not ask for (a tensor's ``raw_data``) is skipped
by its length and never read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from weightscan.scanner.context import ScanContext
from weightscan.scanner.errors import LimitExceeded, MalformedInput
from weightscan.scanner.source import Source

VARINT, FIXED64, LEN, FIXED32 = 0, 1, 2, 5
_WINDOW = 64 << 10
_MAX_VARINT = 10
_TIME_CHECK_EVERY = 4096
MAX_FIELDS = 50_000_000  # fields per file: far above any real model, bounds a flood


class Field(NamedTuple):  # a tuple: millions are made, and tuples are the cheapest
    """One field: for LEN fields ``value`` is the length and the bytes are ``[start, end)``."""

    number: int
    wire: int
    value: int
    start: int  # offset of the value (of the payload, for LEN) in the source
    tag_offset: int

    @property
    def end(self) -> int:
        return self.start + self.value if self.wire == LEN else self.start

    @property
    def signed(self) -> int:
        """The value read as an int64 (negative numbers are ten-byte varints)."""
        return self.value - (1 << 64) if self.value >= 1 << 63 else self.value


class WireReader:
    """Walks messages in ``source``; shares one field budget and the scan's deadline."""

    def __init__(
        self, source: Source, ctx: ScanContext | None = None, max_fields: int = MAX_FIELDS
    ) -> None:
        self.source = source
        self.ctx = ctx
        self.max_fields = max_fields
        self.fields_read = 0
        self._buf = b""
        self._buf_start = 0

    # -- raw bytes ------------------------------------------------------------------------
    def _window(self, pos: int, need: int) -> tuple[bytes, int]:
        """The buffer and ``pos``'s index in it, holding at least ``need`` bytes when the
        source has them."""
        rel = pos - self._buf_start
        if rel < 0 or rel + need > len(self._buf):
            self._buf = self.source.read_at(pos, max(need, _WINDOW))
            self._buf_start = pos
            rel = 0
        return self._buf, rel

    def read(self, start: int, length: int) -> bytes:
        """``length`` bytes at ``start`` (the caller bounds ``length``)."""
        if length <= _WINDOW:
            buf, rel = self._window(start, length)
            return buf[rel : rel + length]
        return self.source.read_at(start, length)

    def text(self, field: Field, limit: int = 4096) -> str:
        """A string field's value, at most ``limit`` bytes of it, undecodable bytes escaped."""
        return self.read(field.start, min(field.value, limit)).decode("utf-8", "backslashreplace")

    # -- fields ---------------------------------------------------------------------------
    def _varint(self, pos: int, end: int) -> tuple[int, int]:
        rel = pos - self._buf_start
        if 0 <= rel < len(self._buf) and pos < end:  # fast path: a one-byte varint
            byte = self._buf[rel]
            if byte < 0x80:
                return byte, pos + 1
        return self._long_varint(pos, end)

    def _long_varint(self, pos: int, end: int) -> tuple[int, int]:
        buf, rel = self._window(pos, _MAX_VARINT)
        result = shift = 0
        for i in range(_MAX_VARINT):
            if pos + i >= end or rel + i >= len(buf):
                raise MalformedInput("varint runs past the end of its message", offset=pos)
            byte = buf[rel + i]
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                return result & 0xFFFFFFFFFFFFFFFF, pos + i + 1
            shift += 7
        raise MalformedInput("varint longer than 10 bytes", offset=pos)

    def fields(self, start: int, end: int) -> Iterator[Field]:
        """The fields of the message occupying ``[start, end)``, checked as they come."""
        pos = start
        while pos < end:
            self.fields_read += 1
            if self.fields_read > self.max_fields:
                raise LimitExceeded("protobuf fields", self.max_fields, offset=pos)
            if self.ctx is not None and self.fields_read % _TIME_CHECK_EVERY == 0:
                self.ctx.check_time()
            tag_offset = pos
            tag, pos = self._varint(pos, end)
            number, wire = tag >> 3, tag & 7
            if number == 0 or number >= 1 << 29:
                raise MalformedInput(f"invalid field number {number}", offset=tag_offset)
            if wire == VARINT:
                value, after = self._varint(pos, end)
            elif wire == FIXED64:
                value, after = self._fixed(pos, end, 8)
            elif wire == FIXED32:
                value, after = self._fixed(pos, end, 4)
            elif wire == LEN:
                value, pos = self._varint(pos, end)
                after = pos + value
                if after > end:
                    raise MalformedInput(
                        f"field {number} declares {value} bytes, {end - pos} are left "
                        "in its message",
                        offset=tag_offset,
                    )
            else:
                raise MalformedInput(
                    f"field {number} uses wire type {wire} (groups or invalid)", offset=tag_offset
                )
            yield Field(number, wire, value, pos, tag_offset)
            pos = after

    def tags(self, start: int, end: int, limit: int) -> tuple[list[Field], bool]:
        """Up to ``limit`` fields of ``[start, end)`` for sniffing, and whether they are all
        well formed. A last field cut by the end still counts (a truncated file keeps its
        kind; its analyzer reports the truncation)."""
        out: list[Field] = []
        pos = start
        try:
            for fl in self.fields(start, end):
                out.append(fl)
                pos = fl.end
                if len(out) >= limit:
                    break
        except MalformedInput:
            try:
                tag, after = self._varint(pos, end)
                if tag >> 3 and tag & 7 == LEN:
                    out.append(Field(tag >> 3, LEN, end - after, after, pos))
                    return out, True
            except MalformedInput:
                pass
            return out, False
        return out, True

    def _fixed(self, pos: int, end: int, width: int) -> tuple[int, int]:
        if pos + width > end:
            raise MalformedInput("fixed-width value runs past the end of its message", offset=pos)
        return int.from_bytes(self.read(pos, width), "little"), pos + width

    def packed_varints(self, field: Field, limit: int) -> list[int]:
        """The values of a repeated varint field (packed or one given field), at most
        ``limit`` of them read (the caller reports when a list is longer)."""
        if field.wire == VARINT:
            return [field.signed]
        if field.wire != LEN:
            raise MalformedInput(
                f"field {field.number} has wire type {field.wire}, expected a varint",
                offset=field.tag_offset,
            )
        out: list[int] = []
        pos, end = field.start, field.end
        while pos < end and len(out) < limit:
            value, pos = self._varint(pos, end)
            out.append(value - (1 << 64) if value >= 1 << 63 else value)
        return out


def expect(field: Field, wire: int, what: str) -> None:
    """Refuse a known field carrying the wrong wire type.

    Real parsers file such a field among the unknown fields and go on, so the field's
    content is invisible to the model but present in the file: no exporter writes it,
    and a reader that treated it otherwise would differ from the loader.
    """
    if field.wire != wire:
        raise MalformedInput(
            f"{what} (field {field.number}) has wire type {field.wire}", offset=field.tag_offset
        )
