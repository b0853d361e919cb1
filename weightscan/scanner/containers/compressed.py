"""Compressed streams (gzip, bzip2, xz, lzma, zlib, zstd, lz4, joblib's old ZF files).

joblib's compressed dumps are exactly this: one compressed pickle stream. The stream is
decompressed to a bounded spool and its content analysed like any file; a truncated or
corrupt stream is a finding, and what came out before the break is still analysed.
"""

from __future__ import annotations

import re

from weightscan.scanner.containers.inflate import CODECS, FILE_CODECS, Inflated, inflate
from weightscan.scanner.containers.signatures import JOBLIB_ZF_HEADER, joblib_zf_skip
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze_nested
from weightscan.scanner.formats import Format
from weightscan.scanner.sniff import sniff_format
from weightscan.scanner.source import Source

_CODEC_OF: dict[Format, str] = {
    Format.GZIP: "gzip",
    Format.BZIP2: "bzip2",
    Format.XZ: "xz",
    Format.LZMA: "lzma",
    Format.ZLIB: "zlib",
    Format.ZSTD: "zstd",
    Format.LZ4: "lz4",
    Format.JOBLIB_ZLIB: "zlib",
}
_ZERO_PADDING_CHECK = 1 << 20  # trailing zeros up to this size are padding (gzip allows it)


def analyze_compressed(source: Source, ctx: ScanContext) -> None:
    fmt = sniff_format(source)
    label = _CODEC_OF[fmt]
    codec = FILE_CODECS.get(label) or CODECS[label]
    skip = joblib_zf_skip(source.head(JOBLIB_ZF_HEADER + 1)) if fmt is Format.JOBLIB_ZLIB else 0
    result = inflate(source.open(), codec, ctx, compressed_size=source.size - skip, skip=skip)
    try:
        _report_stream(source, ctx, fmt, result)
        ctx.note(
            "compressed",
            {
                "codec": codec.name,
                "compressed_bytes": source.size,
                "decompressed_bytes": result.size,
                "complete": result.complete,
            },
        )
        analyze_nested(result.source(f"<{codec.name}>"), ctx, f"<{codec.name}>")
    finally:
        result.close()


def _report_stream(source: Source, ctx: ScanContext, fmt: Format, r: Inflated) -> None:
    limits = ctx.limits
    if r.stop == "ratio":
        ctx.report(
            "compressed.bomb",
            f"decompression stopped after {r.size} bytes: beyond the "
            f"{limits.max_compression_ratio:g}x ratio limit",
            evidence={"compressed": source.size, "decompressed_so_far": r.size},
        )
        return
    if r.stop == "budget":
        ctx.report(
            "limits.resource",
            f"decompression budget of {limits.max_decompressed_bytes} bytes spent",
            evidence={"resource": "decompressed bytes", "limit": limits.max_decompressed_bytes},
        )
        return
    if r.error is not None or not r.complete:
        ctx.report(
            "compressed.truncated",
            f"{fmt.value} stream breaks off after {r.size} "
            f"decompressed bytes ({r.error or 'unexpected end of data'})",
            evidence={"error": (r.error or "unexpected end")[:200], "decompressed": r.size},
        )
        return
    if fmt is Format.JOBLIB_ZLIB:
        _check_zf_length(source, ctx, r.size)
    trailing = source.size - r.consumed
    if trailing > 0 and not _zero_padding(source, r.consumed, trailing):
        ctx.report(
            "compressed.trailing-data",
            f"{trailing} bytes follow the end of the {fmt.value} stream",
            offset=r.consumed,
            evidence={"size": trailing},
        )
        rest = source.slice(r.consumed, trailing)
        if sniff_format(rest) not in (Format.UNKNOWN, Format.EMPTY):
            analyze_nested(rest, ctx, "<trailing data>")


def _zero_padding(source: Source, start: int, size: int) -> bool:
    return size <= _ZERO_PADDING_CHECK and not source.read_at(start, size).strip(b"\0")


def _check_zf_length(source: Source, ctx: ScanContext, actual: int) -> None:
    m = re.match(rb"ZF0x([0-9a-fA-F]+)", source.head(JOBLIB_ZF_HEADER))
    declared = int(m.group(1), 16) if m else -1
    if declared != actual:
        ctx.report(
            "compressed.size-mismatch",
            f"joblib header declares {declared} bytes, the stream holds {actual}",
            evidence={"declared": declared, "actual": actual},
        )
