"""String values of a pickle that encode a payload (base64 or hex of a pickle, archive or
code), found by a pass over the raw bytes after the engine.

The engine keeps only a prefix of each string and never looks at their content; this
pass does, cheaply: one ``translate`` and ``find`` per chunk locate runs of at least
``MIN_CHARS`` base64/hex characters (a dense pickle of short strings has none), and
only a run that is the body of a string opcode (checked against the opcode's length
field, so a string is read exactly as the unpickler reads it) is handed to the decoder.
Protocol 0 strings are found too, unless escapes break up their characters.
"""

from __future__ import annotations

from collections.abc import Iterator

from weightscan.scanner.context import ScanContext
from weightscan.scanner.encoded.decode import MIN_CHARS, promising_start
from weightscan.scanner.encoded.grade import inspect_string
from weightscan.scanner.source import Source

_CHUNK = 8 << 20
_BACK = 16  # bytes re-read before a chunk: the opcode and length field of a string
_MAX_RUN = 64 << 20  # a run is followed this far at most (its head decides anyway)
_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_")
_CLASSES = bytes(0x62 if c in _ALPHABET else 0 for c in range(256))
_NEEDLE = b"b" * MIN_CHARS
_STEP = 3  # three non-base64 bytes in a row (MEMOIZE, opcode, length) always hold a sample
_SAMPLED_NEEDLE = b"b" * (MIN_CHARS // _STEP)  # samples a run of MIN_CHARS always holds
# string opcodes with a binary length field -> its width (SHORT_BINUNICODE, BINUNICODE,
# BINUNICODE8, SHORT_BINBYTES, BINBYTES, BINBYTES8, SHORT_BINSTRING, BINSTRING, BYTEARRAY8)
_LENGTH_WIDTH = {0x8C: 1, 0x58: 4, 0x8D: 8, 0x43: 1, 0x42: 4, 0x8E: 8, 0x55: 1, 0x54: 4, 0x96: 8}


def check_encoded_strings(source: Source, ctx: ScanContext, spans: list[tuple[int, int]]) -> None:
    """Report string values in ``spans`` of ``source`` that encode a payload."""
    for start, end in spans:
        pos = start
        while pos < end:
            ctx.check_time()
            back = min(_BACK, pos - start)
            base = pos - back
            chunk = source.read_at(base, min(_CHUNK, end - pos) + back)
            if len(chunk) <= back:
                break
            pos = _scan_chunk(source, ctx, chunk, base, back, end)


def _scan_chunk(
    source: Source, ctx: ScanContext, chunk: bytes, base: int, first: int, end: int
) -> int:
    """Look at the runs starting in ``chunk[first:]``; returns where the next chunk starts.

    Every ``_STEP``-th byte is classified first (a run of ``MIN_CHARS`` holds
    ``_SAMPLED_RUN`` of them in a row); only around such a sampled run are all bytes
    classified. Dense short strings never line up that many samples.
    """
    size = len(chunk)
    samples = chunk[first::_STEP].translate(_CLASSES)
    q = samples.find(_SAMPLED_NEEDLE)
    while q >= 0:
        r = samples.find(b"\0", q)
        lo = max(first, first + _STEP * q - (_STEP - 1))  # the sample before q is no run
        hi = size if r < 0 else first + _STEP * r
        classes = chunk[lo:hi].translate(_CLASSES)
        i = classes.find(_NEEDLE)
        while i >= 0:
            j = classes.find(b"\0", i)
            if j >= 0:
                j += lo
            elif hi < size:
                j = hi
            else:
                j = _run_end(source, base + size, end) - base
            usual = _usual_body(chunk, lo + i, j)
            if usual is None or promising_start(chunk[usual[0] : usual[0] + 16]):
                _inspect_run(source, ctx, chunk, base, lo + i, j, usual)
            if j >= size:
                return base + j
            i = classes.find(_NEEDLE, j - lo)
        if r < 0:
            break
        q = samples.find(_SAMPLED_NEEDLE, r)
    if base + size >= end:
        return end
    # a run too short to be found so far may go on in the next chunk: start it there
    last = chunk[-MIN_CHARS:].translate(_CLASSES)
    tail = len(last) - 1 - last.rfind(b"\0")
    return base + size - tail if size - tail > first else base + size


def _inspect_run(
    source: Source,
    ctx: ScanContext,
    chunk: bytes,
    base: int,
    i: int,
    j: int,
    usual: tuple[int, int] | None,
) -> None:
    """Decode the string body the run ``chunk[i:j]`` holds (j may lie past the chunk);
    ``usual`` is the body found in the usual layout, if any."""
    size = len(chunk)
    after = chunk[j : j + 1] if j < size else source.read_at(base + j, 1)
    bodies = [usual] if usual is not None else _string_bodies(chunk, i, j, after)
    for at, length in bodies:
        text = chunk[at : at + length] if at + length <= size else source.read_at(base + at, length)
        if inspect_string(text, ctx, where=f"string at byte {base + at}", offset=base + at):
            return


def _run_end(source: Source, pos: int, end: int) -> int:
    """Where a run of base64/hex characters that reaches ``pos`` ends (bounded)."""
    limit = min(end, pos + _MAX_RUN)
    while pos < limit:
        piece = source.read_at(pos, min(1 << 20, limit - pos))
        if not piece:
            break
        stop = piece.translate(_CLASSES).find(b"\0")
        if stop >= 0:
            return pos + stop
        pos += len(piece)
    return pos


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
