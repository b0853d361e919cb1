"""What ``json.loads`` reads in a text file, found without trusting the first bytes.

Loaders parse JSON configs whole: any amount of leading whitespace is allowed, keys come
in any order, and a key may be spelled with ``\\uXXXX`` escapes (``"auto\\u005fmap"`` is
``auto_map``). Quick checks that decide whether to parse a file must accept all of that.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from typing import Any

from weightscan.scanner.context import ScanContext
from weightscan.scanner.source import Source

_WHITESPACE = b" \t\n\r"  # JSON's whitespace (bytes.strip() would take more)
_CHUNK = 1 << 20
_OVERLAP = 512  # longer than any escaped key we search for


def starts_object(source: Source, ctx: ScanContext) -> bool:
    """Whether the first byte after JSON whitespace is ``{`` (a UTF-8 BOM is skipped, as
    ``json.loads(bytes)`` skips it)."""
    return _first_byte(source, ctx) == b"{"


def starts_container(source: Source, ctx: ScanContext) -> bool:
    """Whether the file starts (after JSON whitespace) a JSON object or array."""
    return _first_byte(source, ctx) in (b"{", b"[")


def _first_byte(source: Source, ctx: ScanContext) -> bytes:
    pos = 3 if source.head(3) == b"\xef\xbb\xbf" else 0
    while pos < source.size:
        ctx.check_time()
        chunk = source.read_at(pos, _CHUNK)
        rest = chunk.lstrip(_WHITESPACE)
        if rest:
            return rest[:1]
        pos += len(chunk)
    return b""


def key_pattern(*names: str, suffix: bytes = b"") -> re.Pattern[bytes]:
    """A quoted JSON string equal to one of ``names`` once its escapes are decoded."""

    def spelled(name: str) -> bytes:
        return b"".join(
            b"(?:" + re.escape(c.encode()) + rb"|\\u" + _hex_pattern(ord(c)) + b")" for c in name
        )

    return re.compile(b'"(?:' + b"|".join(spelled(n) for n in names) + b')"' + suffix)


def _hex_pattern(code: int) -> bytes:
    return b"".join(b"[" + d.encode() + d.upper().encode() + b"]" for d in f"{code:04x}")


def positions(source: Source, ctx: ScanContext, pattern: re.Pattern[bytes]) -> Iterator[int]:
    """End offsets of ``pattern`` in the file, read in overlapping chunks."""
    pos, last = 0, -1
    while pos < source.size:
        ctx.check_time()
        chunk = source.read_at(pos, _CHUNK + _OVERLAP)
        for match in pattern.finditer(chunk):
            end = pos + match.end()
            if end > last:
                last = end
                yield end
        pos += _CHUNK


def contains(source: Source, ctx: ScanContext, pattern: re.Pattern[bytes]) -> bool:
    return next(positions(source, ctx, pattern), None) is not None


class TooDeep(Exception):
    """``json.loads`` gave up at this interpreter's recursion limit. A loader need not: one
    that raised ``sys.setrecursionlimit``, or on Python 3.12+ (whose decoder counts the
    C recursion limit), reads the file, so it is not "not JSON"."""


def load_object(source: Source, ctx: ScanContext) -> dict[str, Any] | None:
    """The file parsed as JSON if it is one object (the caller bounds its size); raises
    ``TooDeep``."""
    value = load_value(source, ctx)
    return value if isinstance(value, dict) else None


def load_value(source: Source, ctx: ScanContext) -> Any:
    """The file parsed as JSON, None when it is not JSON (the caller bounds its size);
    raises ``TooDeep`` when it nests too deeply for this process to decode."""
    ctx.check_time()
    try:
        return json.loads(source.head(source.size))
    except RecursionError:
        raise TooDeep from None
    except ValueError:
        return None


def report_too_deep(ctx: ScanContext, what: str) -> None:
    """The finding for a config ``load_value`` could not decode for its depth."""
    ctx.report(
        "limits.resource",
        f"{what}, but it nests too deeply for json.loads here; a loader with a higher "
        "recursion limit reads it, and it was not analysed",
        evidence={"resource": "JSON nesting", "limit": sys.getrecursionlimit()},
    )
