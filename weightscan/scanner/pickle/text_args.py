"""Protocol-0 text arguments (STRING, UNICODE) of any length, decoded in pieces.

The unpickler reads the whole line and decodes it at once: STRING strips one quote at
each end (the same quote, after removing only the newline) and applies
``codecs.escape_decode``; UNICODE applies ``raw-unicode-escape``. Both fail on a broken
escape anywhere in the line. Lines are fed here piece by piece; a piece is cut before
any escape that might continue in the next one, so each piece decodes exactly as its
part of the whole line would. Only a prefix of the value is kept.
"""

from __future__ import annotations

import codecs
import re
import warnings
from collections.abc import Callable

_BACKSLASH = 0x5C


def _escape_cut(body: bytes, width: int) -> int:
    """Where an escape that may be incomplete starts near the end of ``body``.

    An escape starts at a backslash that ends an odd run of backslashes; escapes are at
    most ``width`` bytes long, so only the last ``width`` bytes can hold an open one.
    """
    i = body.rfind(b"\\", max(0, len(body) - width))
    if i < 0:
        return len(body)
    run = i + 1 - len(body[: i + 1].rstrip(b"\\"))
    return i if run % 2 else len(body)


class _Pieces:
    """Decode pieces cut at escape boundaries, keeping a prefix of the text."""

    def __init__(self, decode: Callable[[bytes], str], width: int, keep: int) -> None:
        self._decode = decode
        self._width = width
        self._keep = keep
        self._parts: list[str] = []
        self._kept = 0
        self._pending = b""
        self.truncated = False  # the value is longer than the kept prefix
        self.error: ValueError | None = None  # the first broken escape (raised at the end)

    def push(self, data: bytes, *, hold: int = 0) -> None:
        """Decode ``data`` after what is pending, holding back ``hold`` final bytes and
        any escape that may continue."""
        buf = self._pending + data
        body = buf[: len(buf) - hold] if hold else buf
        cut = _escape_cut(body, self._width)
        self._take(body[:cut])
        self._pending = buf[cut:]

    def close(self, last: bytes) -> None:
        self._take(last)
        if self.error is not None:
            raise self.error

    def pending(self) -> bytes:
        return self._pending

    def text(self) -> str:
        return "".join(self._parts)

    def _take(self, piece: bytes) -> None:
        if not piece or self.error is not None:
            return
        try:
            text = self._decode(piece)  # fails on a broken escape, as the unpickler does
        except ValueError as exc:  # UnicodeDecodeError included
            self.error = exc
            return
        room = self._keep - self._kept
        if len(text) > room:
            self.truncated = True
            text = text[:room]
        if text:
            self._parts.append(text)
            self._kept += len(text)


class QuotedString:
    """The STRING opcode's argument: ``'...'`` or ``"..."`` with bytes escapes."""

    def __init__(self, keep: int) -> None:
        self._pieces = _Pieces(_bytes_escapes, 4, keep)
        self._quote: int | None = None
        self._quoted = True
        self.length = 0

    def feed(self, chunk: bytes) -> None:
        self.length += len(chunk)
        if self._quote is None and chunk:
            self._quote = chunk[0]
            self._quoted = self._quote in b"'\""
            chunk = chunk[1:]
        if self._quoted:
            self._pieces.push(chunk, hold=1)  # the last byte may be the closing quote

    @property
    def truncated(self) -> bool:
        return self._pieces.truncated

    def finish(self) -> str:
        """The decoded prefix; ValueError when the line is not quoted or badly escaped."""
        rest = self._pieces.pending()
        if not self._quoted or self.length < 2 or rest[-1:] != bytes([self._quote or 0]):
            raise NotQuoted
        self._pieces.close(rest[:-1])
        return self._pieces.text()


class RawUnicode:
    """The UNICODE opcode's argument: ``raw-unicode-escape`` text."""

    def __init__(self, keep: int) -> None:
        self._pieces = _Pieces(_raw_unicode, 10, keep)
        self.length = 0

    def feed(self, chunk: bytes) -> None:
        self.length += len(chunk)
        self._pieces.push(chunk)

    @property
    def truncated(self) -> bool:
        return self._pieces.truncated

    def finish(self) -> str:
        """The decoded prefix; UnicodeDecodeError on a broken escape."""
        self._pieces.close(self._pieces.pending())
        return self._pieces.text()


class NotQuoted(ValueError):
    """The STRING argument does not start and end with the same quote."""


def _bytes_escapes(piece: bytes) -> str:
    if b"\\" not in piece:
        return piece.decode("latin-1")
    with warnings.catch_warnings():  # "\q" is kept as is, with a DeprecationWarning
        warnings.simplefilter("ignore")
        return codecs.escape_decode(piece)[0].decode("latin-1")


def _raw_unicode(piece: bytes) -> str:
    return codecs.raw_unicode_escape_decode(piece)[0]


# INT and LONG: both unpicklers read the line with base 0 (C: ``strtol`` first for INT,
# then ``PyLong_FromString``; Python: ``int(text, 0)``). A power-of-two base has no digit
# limit, and C's ``strtol`` reads a leading 0 as octal.
_POWER_OF_TWO = re.compile(rb"\s*[+-]?0[xXoObB][0-9a-fA-F_]*\Z")
_STRTOL_OCTAL = re.compile(rb"\s*[+-]?0[0-7]+\s*\Z")


def literal_int(line: bytes) -> int | None:
    """The value of an INT/LONG line as an unpickler reads it, None when none does."""
    try:
        return int(line, 0)
    except ValueError:
        pass
    if _STRTOL_OCTAL.match(line):
        return int(line, 8)
    return None


def long_power_of_two_literal(prefix: bytes) -> bool:
    """Whether a line kept only as ``prefix`` starts a hex, octal or binary literal."""
    return bool(_POWER_OF_TWO.match(prefix))
