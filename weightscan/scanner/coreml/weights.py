"""CoreML ML-program weight files (an .mlpackage's Data/com.apple.CoreML/weights/weight.bin).

Layout (coremltools MILBlob StorageFormat): a 64-byte header (u32 count, u32 version 2,
reserved), then per blob a 64-byte metadata record (u32 sentinel 0xDEADBEEF, u32 dtype,
u64 size in bytes, u64 offset of the data, ...) followed by its data, each 64-aligned.
"""

from __future__ import annotations

import struct

from weightscan.scanner.context import ScanContext
from weightscan.scanner.errors import LimitExceeded, MalformedInput
from weightscan.scanner.source import Source

SENTINEL = 0xDEADBEEF
_ALIGN = 64
_MAX_BLOBS = 1_000_000


def is_coreml_weights(head: bytes) -> bool:
    """Header version 2 with zero padding, then the first blob's sentinel at 64 (the
    header's start also fits an .lzma header, so this is checked before lzma)."""
    if len(head) < 72:
        return False
    _, version = struct.unpack_from("<II", head)
    (sentinel,) = struct.unpack_from("<I", head, 64)
    return version == 2 and sentinel == SENTINEL and head[8:64] == bytes(56)


def analyze_coreml_weights(source: Source, ctx: ScanContext) -> None:
    """Walk the metadata records: each blob must lie inside the file, one after another."""
    (count,) = struct.unpack_from("<I", source.head(4))
    if count > _MAX_BLOBS:
        raise LimitExceeded("CoreML weight blobs", _MAX_BLOBS)
    pos = _ALIGN
    for i in range(count):
        if i % 4096 == 0:
            ctx.check_time()
        record = source.read_at(pos, 24)
        if len(record) < 24:
            raise MalformedInput(f"blob {i}: metadata runs past the end of the file", offset=pos)
        sentinel, _dtype, size, offset = struct.unpack("<IIQQ", record)
        if sentinel != SENTINEL:
            raise MalformedInput(f"blob {i}: bad metadata sentinel", offset=pos)
        if offset < pos + _ALIGN or offset + size > source.size:
            raise MalformedInput(
                f"blob {i}: data at {offset}..{offset + size} is outside "
                "the file or overlaps its metadata",
                offset=pos,
            )
        pos = (offset + size + _ALIGN - 1) // _ALIGN * _ALIGN
    ctx.report(
        "coreml.weights",
        "CoreML ML-program weight blobs",
        evidence={"blobs": count, "size": source.size},
    )
