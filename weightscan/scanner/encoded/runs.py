"""Runs of base64/hex characters in raw bytes, found cheaply.

Every third byte is classified first (one ``translate`` of a strided slice): a run of
``MIN_CHARS`` holds ``MIN_CHARS // 3`` such samples in a row, and three other bytes in a
row (a pickle's MEMOIZE, opcode and length; JSON's quotes and comma) always hold one,
so dense short strings never line up enough samples. Only around a sampled run are all
bytes classified. A run longer than the chunk is followed in the source (bounded).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass

from weightscan.scanner.context import ScanContext
from weightscan.scanner.encoded.decode import MIN_CHARS
from weightscan.scanner.source import Source

CHUNK = 8 << 20
BACK = 16  # bytes re-read before a chunk: what precedes a run (a pickle's length field)
_MAX_RUN = 64 << 20  # a run is followed this far at most (its head decides anyway)
_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_")
_CLASSES = bytes(0x62 if c in _ALPHABET else 0 for c in range(256))
_RUN = re.compile(b"b{%d,}" % MIN_CHARS)
_STEP = 3
_SAMPLED_NEEDLE = b"b" * (MIN_CHARS // _STEP)
_MAX_WINDOWS = 64  # sampled runs looked at one by one per chunk; past it, the whole rest


@dataclass(slots=True)  # one per run: cheap to make
class Run:
    """``chunk[i:j]`` is a run of base64/hex characters; ``j`` may lie past the chunk
    (read the rest with ``text``). ``chunk`` starts at source offset ``base``."""

    source: Source
    chunk: bytes
    base: int
    i: int
    j: int

    def text(self, at: int, length: int) -> bytes:
        """``length`` bytes from chunk index ``at`` (read from the source past the chunk)."""
        if at + length <= len(self.chunk):
            return self.chunk[at : at + length]
        return self.source.read_at(self.base + at, length)

    def after(self) -> bytes:
        """The byte that ends the run (empty at the end of the source)."""
        if self.j < len(self.chunk):
            return self.chunk[self.j : self.j + 1]
        return self.source.read_at(self.base + self.j, 1)


def encoded_runs(source: Source, ctx: ScanContext, spans: list[tuple[int, int]]) -> Iterator[Run]:
    """Every run of at least ``MIN_CHARS`` base64/hex characters in ``spans``."""
    for start, end in spans:
        pos = start
        while pos < end:
            ctx.check_time()
            back = min(BACK, pos - start)
            base = pos - back
            chunk = source.read_at(base, min(CHUNK, end - pos) + back)
            if len(chunk) <= back:
                break
            pos = yield from _chunk_runs(source, chunk, base, back, end)


def _chunk_runs(
    source: Source, chunk: bytes, base: int, first: int, end: int
) -> Generator[Run, None, int]:
    """The runs starting in ``chunk[first:]``; returns where the next chunk starts.

    Runs are looked for around sampled runs, one window each; a chunk with many of them
    (a list of hashes or ids) is classified whole instead, once.
    """
    size = len(chunk)
    samples = chunk[first::_STEP].translate(_CLASSES)
    q = samples.find(_SAMPLED_NEEDLE)
    windows = 0
    while q >= 0:
        r = samples.find(b"\0", q)
        lo = max(first, first + _STEP * q - (_STEP - 1))  # the sample before q is no run
        windows += 1
        if windows > _MAX_WINDOWS:
            r, hi = -1, size  # the rest of the chunk in one window
        else:
            hi = size if r < 0 else first + _STEP * r
        for found in _RUN.finditer(chunk[lo:hi].translate(_CLASSES)):
            i, j = lo + found.start(), lo + found.end()
            if j == size:
                j = _run_end(source, base + size, end) - base
            yield Run(source, chunk, base, i, j)
            if j >= size:
                return base + j
        if r < 0:
            break
        q = samples.find(_SAMPLED_NEEDLE, r)
    if base + size >= end:
        return end
    # a run too short to be found so far may go on in the next chunk: start it there
    last = chunk[-MIN_CHARS:].translate(_CLASSES)
    tail = len(last) - 1 - last.rfind(b"\0")
    return base + size - tail if size - tail > first else base + size


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
