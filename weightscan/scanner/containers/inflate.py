"""Bounded decompression of one compressed stream into a spooled temporary file.

Output is produced in small pieces, charged to the file's decompression budget, and
stopped at the ratio limit, so a bomb costs us at most the limit. Whatever came out
before a stop or a corrupt byte is kept: it is analysed like a complete member.
"""

from __future__ import annotations

import bz2
import lzma
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, BinaryIO, Protocol

import lz4.frame
import zstandard

from weightscan.scanner.context import ScanContext
from weightscan.scanner.errors import LimitExceeded
from weightscan.scanner.source import Source

IN_CHUNK = 256 * 1024
OUT_CHUNK = 1 << 20
SPOOL_IN_MEMORY = 8 << 20  # members up to this size stay in RAM, larger ones go to disk
# The ratio limit applies once a stream has produced this much: small, highly
# compressible members (a zero-filled array) are normal; multi-GB expansions are not.
RATIO_FLOOR = 16 << 20
# zstd gives no output bound per call; a zstd block turns ~4 input bytes into up to
# 128 KiB, so feeding 1 KiB at a time bounds one call's output to ~32 MiB.
_ZSTD_FEED = 1024


class Decoder(Protocol):
    """The bz2/lzma/lz4 decompressor interface (zlib and zstd are adapted to it)."""

    @property
    def eof(self) -> bool: ...

    @property
    def needs_input(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


class DecodeError(Exception):
    """The compressed bytes are corrupt."""


class _ZlibDecoder:
    def __init__(self, wbits: int) -> None:
        self._d = zlib.decompressobj(wbits)
        self._tail = b""
        self._full = False  # last call filled max_length: more output may be pending

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def needs_input(self) -> bool:
        return not self._tail and not self._full

    @property
    def unused_data(self) -> bytes:
        return self._d.unused_data

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        try:
            out = self._d.decompress(self._tail + data, max(0, max_length))
        except zlib.error as exc:
            raise DecodeError(str(exc)) from None
        self._tail = self._d.unconsumed_tail
        self._full = max_length > 0 and len(out) >= max_length
        return out


class _ZstdDecoder:
    def __init__(self) -> None:
        self._d = zstandard.ZstdDecompressor().decompressobj()
        self._pending = b""

    @property
    def eof(self) -> bool:
        return bool(self._d.eof)

    @property
    def needs_input(self) -> bool:
        return not self._pending

    @property
    def unused_data(self) -> bytes:
        return bytes(self._d.unused_data) + self._pending

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        self._pending += data
        feed, self._pending = self._pending[:_ZSTD_FEED], self._pending[_ZSTD_FEED:]
        try:
            return bytes(self._d.decompress(feed))
        except zstandard.ZstdError as exc:
            raise DecodeError(str(exc)) from None


class _WrappedDecoder:
    """Turns a stdlib/lz4 decompressor's own exceptions into DecodeError."""

    def __init__(self, inner: Decoder) -> None:
        self._d = inner

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def needs_input(self) -> bool:
        return self._d.needs_input

    @property
    def unused_data(self) -> bytes:
        return self._d.unused_data or b""  # lz4 says None when there is none

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        try:
            return self._d.decompress(data, max_length)
        except (OSError, EOFError, ValueError, lzma.LZMAError, RuntimeError) as exc:
            raise DecodeError(str(exc) or type(exc).__name__) from None


@dataclass(frozen=True)
class Codec:
    """How to decode one kind of stream."""

    name: str
    new_decoder: Callable[[], Decoder]
    magic: bytes = b""  # a concatenated stream starts with this (multi-member gzip, bz2, xz)
    # Any bytes after the end start another stream for this decoder, unless its first
    # call rejects them (Python's LZMAFile, which joblib reads .xz and .lzma files with).
    then: Callable[[], Decoder] | None = None


def _lzma_raw(props: bytes) -> Decoder:
    """Zip method 14: an LZMA1 raw stream whose 5 property bytes we decode ourselves."""
    if len(props) != 5 or props[0] >= 225:
        raise DecodeError("bad LZMA properties")
    d = props[0]
    lc, d = d % 9, d // 9
    lp, pb = d % 5, d // 5
    dict_size = int.from_bytes(props[1:5], "little")
    filters = [{"id": lzma.FILTER_LZMA1, "lc": lc, "lp": lp, "pb": pb, "dict_size": dict_size}]
    try:
        return _WrappedDecoder(lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=filters))
    except (lzma.LZMAError, ValueError) as exc:  # e.g. lc + lp > 4, which liblzma refuses
        raise DecodeError(f"bad LZMA properties: {exc}") from None


CODECS: dict[str, Codec] = {
    "gzip": Codec("gzip", lambda: _ZlibDecoder(16 + zlib.MAX_WBITS), b"\x1f\x8b"),
    "zlib": Codec("zlib", lambda: _ZlibDecoder(zlib.MAX_WBITS)),
    "deflate": Codec("deflate", lambda: _ZlibDecoder(-zlib.MAX_WBITS)),
    "bzip2": Codec("bzip2", lambda: _WrappedDecoder(bz2.BZ2Decompressor()), b"BZh"),
    "xz": Codec(
        "xz", lambda: _WrappedDecoder(lzma.LZMADecompressor(lzma.FORMAT_XZ)), b"\xfd7zXZ\x00"
    ),
    "lzma": Codec("lzma", lambda: _WrappedDecoder(lzma.LZMADecompressor(lzma.FORMAT_ALONE))),
    "zstd": Codec("zstd", _ZstdDecoder, b"\x28\xb5\x2f\xfd"),
    "lz4": Codec(
        "lz4", lambda: _WrappedDecoder(lz4.frame.LZ4FrameDecompressor()), b"\x04\x22\x4d\x18"
    ),
}


def _lzma_auto() -> Decoder:
    return _WrappedDecoder(lzma.LZMADecompressor(lzma.FORMAT_AUTO))


# Whole files as joblib.load reads them: lzma.LZMAFile decodes stream after stream (xz
# or lzma-alone, FORMAT_AUTO) and ignores trailing bytes that start none; LZ4FrameFile
# decodes frame after frame, skippable frames included.
FILE_CODECS: dict[str, Codec] = {
    "xz": Codec("xz", CODECS["xz"].new_decoder, then=_lzma_auto),
    "lzma": Codec("lzma", CODECS["lzma"].new_decoder, then=_lzma_auto),
    "lz4": Codec("lz4", CODECS["lz4"].new_decoder, then=CODECS["lz4"].new_decoder),
}


def zip_lzma_codec(header: bytes) -> Codec:
    """Zip method 14 carries a 4-byte version/props-size prefix and the props themselves."""
    props = header[4:9]
    return Codec("lzma", lambda: _lzma_raw(props))


@dataclass
class Inflated:
    """The result of decompressing one stream."""

    spool: IO[bytes]
    size: int = 0
    consumed: int = 0  # compressed bytes that belonged to the stream(s)
    complete: bool = False  # the stream ended properly
    error: str | None = None  # why decoding broke off, if it did
    stop: str | None = None  # "ratio", "budget" or "limit" when we stopped it
    crc32: int = 0

    def source(self, name: str) -> Source:
        return Source(self.spool, 0, self.size, name=name)  # type: ignore[arg-type]

    def close(self) -> None:
        self.spool.close()


def inflate(
    reader: BinaryIO,
    codec: Codec,
    ctx: ScanContext,
    *,
    compressed_size: int,
    skip: int = 0,
    max_output: int | None = None,
) -> Inflated:
    """Decompress ``reader`` (``compressed_size`` bytes) under the scan's budgets.

    ``skip`` bytes at the start belong to a header the decoder does not read (zip LZMA).
    Never raises for bad data; ``ctx.check_time`` may raise ``LimitExceeded('time')``.
    """
    # closed by the caller through Inflated.close(), or below on failure
    result = Inflated(tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY))  # noqa: SIM115
    try:
        _run(reader, codec, ctx, result, compressed_size, skip, max_output)
    except BaseException:
        result.close()
        raise
    result.spool.seek(0)
    return result


def _run(
    reader: BinaryIO,
    codec: Codec,
    ctx: ScanContext,
    result: Inflated,
    compressed_size: int,
    skip: int,
    max_output: int | None,
) -> None:
    ratio_cap = max(ctx.limits.max_compression_ratio * max(compressed_size, 1), RATIO_FLOOR)
    if skip:
        reader.read(skip)
    read_total = skip
    try:
        decoder = codec.new_decoder()
    except DecodeError as exc:
        result.error = str(exc)
        return
    pending = b""
    follow_on = -1  # where the stream ended, while a follow-on stream's first call runs
    while True:
        ctx.check_time()
        if decoder.needs_input and not pending:
            pending = reader.read(IN_CHUNK)
            read_total += len(pending)
            if not pending:
                break  # input exhausted before the end of the stream
        try:
            want = (
                OUT_CHUNK
                if max_output is None
                else max(1, min(OUT_CHUNK, max_output - result.size))
            )
            out = decoder.decompress(pending, want)
        except DecodeError as exc:
            if follow_on >= 0:  # no stream starts there: the reader ignores those bytes
                result.complete = True
                result.consumed = follow_on
                return
            result.error = str(exc)
            return
        follow_on = -1
        pending = b""
        if out:
            result.spool.write(out)
            result.size += len(out)
            result.crc32 = zlib.crc32(out, result.crc32)
            try:
                ctx.charge_decompressed(len(out))
            except LimitExceeded:
                result.stop = "budget"
                return
            if result.size > ratio_cap:
                result.stop = "ratio"
                return
            if max_output is not None and result.size >= max_output:
                result.stop = "limit"
                return
        if decoder.eof:
            rest = decoder.unused_data
            if codec.magic and len(rest) < len(codec.magic):
                more = reader.read(IN_CHUNK)
                read_total += len(more)
                rest += more
            if codec.magic and rest.startswith(codec.magic):
                decoder, pending = codec.new_decoder(), rest  # concatenated stream
                continue
            if codec.then is not None:
                if not rest:
                    rest = reader.read(IN_CHUNK)
                    read_total += len(rest)
                if rest:
                    follow_on = read_total - len(rest)
                    decoder, pending = codec.then(), rest
                    continue
            result.complete = True
            result.consumed = read_total - len(rest)
            return
    result.consumed = read_total
