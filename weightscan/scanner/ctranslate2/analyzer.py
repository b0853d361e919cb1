"""CTranslate2 ``model.bin``, read as the runtime reads it, strictly and within bounds.

Layout (binary version 6, written by ctranslate2's ``ModelSpec._serialize``), all
little-endian: u32 version; string spec name; u32 spec revision; u32 variable count;
per variable a string name, u8 rank, rank x u32 dims, u8 dtype id, u32 byte size and
that many bytes; u32 alias count; per alias two strings (alias, variable name). A
string is a u16 length counting a trailing NUL, then the bytes and the NUL.

There is no magic number: a file is taken for one only when the whole walk succeeds and
ends exactly at the end of the file, every byte size matching its shape and dtype.
"""

from __future__ import annotations

import math
import struct

from weightscan.scanner.bytecursor import ByteCursor
from weightscan.scanner.context import ScanContext
from weightscan.scanner.errors import LimitExceeded, MalformedInput
from weightscan.scanner.source import Source

BINARY_VERSION = 6
# dtype id -> item size (the DataType enum order: float32, int8, int16, int32, float16,
# bfloat16)
_ITEM_SIZE = (4, 1, 2, 4, 2, 2)
_MAX_RANK = 8
_MAX_VARIABLES = 1_000_000
_MAX_NAME = 4096
_SPEC_NAME_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def looks_like_ctranslate2(head: bytes) -> bool:
    """Version 6, then a NUL-terminated identifier as the spec name ("WhisperSpec")."""
    if len(head) < 8:
        return False
    version, length = struct.unpack_from("<IH", head)
    name = head[6 : 6 + length]
    return (
        version == BINARY_VERSION
        and 2 <= length <= 256
        and len(name) == length
        and name[-1] == 0
        and set(name[:-1]) <= _SPEC_NAME_CHARS
    )


class _Cursor(ByteCursor):
    def u8(self, what: str) -> int:
        return self.unpack("B", what)[0]

    def u32(self, what: str) -> int:
        return self.unpack("I", what)[0]

    def string(self, what: str) -> str:
        (length,) = self.unpack("H", what)
        if not 1 <= length <= _MAX_NAME:
            raise MalformedInput(f"{what}: bad string length {length}", offset=self.pos - 2)
        raw = self.take(length, what)
        if raw[-1] != 0 or 0 in raw[:-1]:
            raise MalformedInput(f"{what}: not one NUL-terminated string", offset=self.pos)
        try:
            return raw[:-1].decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedInput(f"{what}: not UTF-8", offset=self.pos) from None


def analyze_ctranslate2(source: Source, ctx: ScanContext) -> None:
    cur = _Cursor(source)
    version = cur.u32("binary version")
    if version != BINARY_VERSION:
        raise MalformedInput(f"unsupported CTranslate2 binary version {version}", offset=0)
    spec = cur.string("spec name")
    revision = cur.u32("spec revision")
    count = cur.u32("variable count")
    if count > _MAX_VARIABLES:
        raise LimitExceeded("CTranslate2 variables", _MAX_VARIABLES, offset=cur.pos)
    names: set[str] = set()
    for i in range(count):
        if i % 4096 == 0:
            ctx.check_time()
        names.add(_variable(cur, source.size, i))
    aliases = cur.u32("alias count")
    if aliases > _MAX_VARIABLES:
        raise LimitExceeded("CTranslate2 aliases", _MAX_VARIABLES, offset=cur.pos)
    for i in range(aliases):
        if i % 4096 == 0:
            ctx.check_time()
        cur.string(f"alias {i}")
        target = cur.string(f"alias {i} target")
        if target not in names:
            raise MalformedInput(f"alias {i} names no variable ({target[:100]!r})", offset=cur.pos)
    if cur.pos != source.size:
        raise MalformedInput(
            f"{source.size - cur.pos} bytes after the model's last record", offset=cur.pos
        )
    ctx.note(
        "ctranslate2", {"spec": spec, "revision": revision, "variables": count, "aliases": aliases}
    )
    ctx.report(
        "ctranslate2.model",
        f"CTranslate2 model ({spec}): named weight arrays only",
        evidence={"spec": spec[:200], "variables": count, "aliases": aliases, "size": source.size},
    )


def _variable(cur: _Cursor, size: int, i: int) -> str:
    name = cur.string(f"variable {i} name")
    rank = cur.u8(f"variable {i} rank")
    if rank > _MAX_RANK:
        raise MalformedInput(f"variable {name[:100]!r}: rank {rank}", offset=cur.pos - 1)
    dims = cur.unpack(f"{rank}I", f"variable {i} shape")
    dtype = cur.u8(f"variable {i} dtype")
    if dtype >= len(_ITEM_SIZE):
        raise MalformedInput(
            f"variable {name[:100]!r}: unknown dtype id {dtype}", offset=cur.pos - 1
        )
    nbytes = cur.u32(f"variable {i} byte size")
    if nbytes != math.prod(dims) * _ITEM_SIZE[dtype]:
        raise MalformedInput(
            f"variable {name[:100]!r}: {nbytes} bytes do not match its "
            f"shape {list(dims)} and dtype",
            offset=cur.pos - 4,
        )
    if cur.pos + nbytes > size:
        raise MalformedInput(
            f"variable {name[:100]!r}: data runs past the end of the file", offset=cur.pos
        )
    cur.pos += nbytes  # raw tensor bytes: skipped, never read
    return name
