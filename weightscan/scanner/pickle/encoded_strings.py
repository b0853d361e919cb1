"""String values of a pickle that encode a payload (base64 or hex of a pickle, archive or
code), found by a pass over the raw bytes after the engine.

The engine keeps only a prefix of each string and never looks at their content; this
pass does, cheaply (see ``encoded.runs``): only a run of base64/hex characters that is
the body of a string opcode (checked against the opcode's length field, so a string is
read exactly as the unpickler reads it) is handed to the decoder. Protocol 0 strings are
found too, unless escapes break up their characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from weightscan.scanner.context import ScanContext
from weightscan.scanner.encoded.decode import MIN_CHARS, promising_start
from weightscan.scanner.encoded.grade import inspect_string
from weightscan.scanner.encoded.runs import Run, encoded_runs
from weightscan.scanner.source import Source

# string opcodes with a binary length field -> its width (SHORT_BINUNICODE, BINUNICODE,
# BINUNICODE8, SHORT_BINBYTES, BINBYTES, BINBYTES8, SHORT_BINSTRING, BINSTRING, BYTEARRAY8)
_LENGTH_WIDTH = {0x8C: 1, 0x58: 4, 0x8D: 8, 0x43: 1, 0x42: 4, 0x8E: 8, 0x55: 1, 0x54: 4, 0x96: 8}


def check_encoded_strings(source: Source, ctx: ScanContext, spans: list[tuple[int, int]]) -> None:
    """Report string values in ``spans`` of ``source`` that encode a payload."""
    for run in encoded_runs(source, ctx, spans):
        usual = _usual_body(run.chunk, run.i, run.j)
        if usual is not None:
            at = usual[0]
            if promising_start(run.chunk[at : at + 16]):  # else a name, hash or picture
                _inspect(run, ctx, [usual])
        else:
            _inspect(run, ctx, _string_bodies(run.chunk, run.i, run.j, run.after()))


def _inspect(run: Run, ctx: ScanContext, bodies: Iterable[tuple[int, int]]) -> None:
    for at, length in bodies:
        offset = run.base + at
        if inspect_string(
            run.text(at, length), ctx, where=f"string at byte {offset}", offset=offset
        ):
            return


def _usual_body(chunk: bytes, i: int, j: int) -> tuple[int, int] | None:
    """(offset, length) of the string body the run ``[i, j)`` holds, in the usual layouts:
    right after a length field that is no base64 character, or after a one-byte length
    that is one (SHORT_BINUNICODE of 48 to 122 characters)."""
    for h, width in ((i - 2, 1), (i - 5, 4), (i - 9, 8)):
        if h >= 0 and _LENGTH_WIDTH.get(chunk[h]) == width:
            length = int.from_bytes(chunk[h + 1 : i], "little")
            if length >= MIN_CHARS and i + length <= j:
                return i, length
    if i >= 1 and _LENGTH_WIDTH.get(chunk[i - 1]) == 1 and MIN_CHARS <= chunk[i] <= j - i - 1:
        return i + 1, chunk[i]
    return None


def _string_bodies(chunk: bytes, i: int, j: int, after: bytes) -> Iterator[tuple[int, int]]:
    """(offset, length) of each string opcode body the run ``[i, j)`` may hold.

    Usually the run starts with the body, after a length field that is no base64
    character; otherwise the run may start with the opcode and length bytes and end with
    the next opcodes (``q`` BINPUT...), and the length field says where the body is.
    ``after`` is the byte that ends the run (a quote or newline ends a protocol 0 string).
    """
    for h in range(max(0, i - 9), min(i + 9, j)):
        width = _LENGTH_WIDTH.get(chunk[h])
        if width is not None:
            at = h + 1 + width
            if at >= i and len(chunk) >= at:
                length = int.from_bytes(chunk[h + 1 : at], "little")
                if length >= MIN_CHARS and at + length <= j:
                    yield at, length
        elif chunk[h] == 0x53 and h + 2 == i and chunk[h + 1 : h + 2] in (b"'", b'"'):
            if after == chunk[h + 1 : h + 2]:  # STRING 'text'
                yield i, j - i
        elif chunk[h] == 0x56 and h >= i and after == b"\n":  # UNICODE text
            yield h + 1, j - h - 1
