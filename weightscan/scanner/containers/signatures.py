"""Byte-level recognisers used by the sniffer: pure functions of a file's first bytes.

Each one is deliberately strict (a few magic bytes are not enough where a pickle could
start the same way) and never reads more than the head it is given.
"""

from __future__ import annotations

import io
import pickletools
import re
import struct
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# torch.save's legacy format starts with this integer pickled on its own.
TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_CALL_OPCODES = frozenset({"REDUCE", "OBJ", "NEWOBJ", "NEWOBJ_EX", "BUILD", "INST"})
_IMPORT_OPCODES = frozenset({"GLOBAL", "INST", "STACK_GLOBAL"})
_OPCODE_BYTES = frozenset(op.code.encode("latin-1")[0] for op in pickletools.opcodes)
_TEXT_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


def first_pickle_opcodes(head: bytes, limit: int = 64) -> list[tuple[str, object]]:
    """(name, argument) of the opcodes at the start of ``head``, up to STOP or an error."""
    ops: list[tuple[str, object]] = []
    try:
        for opcode, arg, _pos in _quiet_genops(head):
            ops.append((opcode.name, arg))
            if opcode.name == "STOP" or len(ops) >= limit:
                break
    except Exception:  # noqa: S110 - any parse failure just ends the opcode list
        pass
    return ops


def _quiet_genops(head: bytes) -> Iterator[tuple[Any, Any, int | None]]:
    """pickletools.genops, without the DeprecationWarnings it emits on odd string escapes."""
    if not head or head[0] not in _OPCODE_BYTES:
        return  # the common case for non-pickles, and far cheaper than the walk
    if b"\\" not in head:
        yield from pickletools.genops(io.BytesIO(head))
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield from pickletools.genops(io.BytesIO(head))


def is_torch_legacy(head: bytes) -> bool:
    """A pickle whose first value is torch's legacy magic number, whatever the protocol."""
    ops = first_pickle_opcodes(head[:128], limit=6)
    names = [n for n, _ in ops if n not in ("PROTO", "FRAME")]
    values = [a for n, a in ops if n not in ("PROTO", "FRAME")]
    return (
        len(names) == 2
        and names[1] == "STOP"
        and names[0] in ("LONG1", "LONG4", "LONG", "INT")
        and values[0] == TORCH_LEGACY_MAGIC
    )


@dataclass(frozen=True)
class OpcodeProfile:
    """What a walk over the first opcodes of a would-be pickle saw."""

    count: int  # opcodes parsed before STOP, an error or the end of the head
    imports: bool  # a GLOBAL/INST with identifier-like names, or a STACK_GLOBAL
    calls: bool  # a REDUCE/OBJ/BUILD/... after such an import
    stopped: bool  # reached STOP
    last_pos: int  # offset of the last opcode parsed
    distinct: int  # different opcodes seen (a run of one repeated byte is not structure)


def opcode_profile(head: bytes) -> OpcodeProfile:
    count = last_pos = 0
    imports = calls = stopped = False
    seen: set[str] = set()
    try:
        for opcode, arg, pos in _quiet_genops(head):
            count, last_pos = count + 1, pos or 0
            name = opcode.name
            seen.add(name)
            if name in ("GLOBAL", "INST"):
                module, _, attr = str(arg).partition(" ")
                imports = imports or bool(_IDENTIFIER.match(module) and _IDENTIFIER.match(attr))
            elif name == "STACK_GLOBAL":
                imports = True
            calls = calls or (name in _CALL_OPCODES and imports)
            if name == "STOP":
                stopped = True
                break
    except Exception:  # noqa: S110 - a parse error ends the walk; judge what was seen
        pass
    return OpcodeProfile(count, imports, calls, stopped, last_pos, len(seen))


def looks_like_opcode_stream(head: bytes, total_size: int) -> bool:
    """Whether ``head`` reads as a pickle opcode stream (protocols 0 and 1 have no magic).

    Conservative towards "pickle": a stream is taken for a pickle when it reaches STOP
    after an import or some varied structure, when it imports an identifier-like global
    and calls something
    (the payload runs before any later parse error), or when it parses cleanly to the
    end of a head that is only a prefix of the file.
    """
    p = opcode_profile(head)
    if p.stopped:
        # "0.5" is POP, STOP: text, not a pickle; real pickles import or build something
        return p.imports or (p.count >= 3 and p.distinct >= 3)
    # a long, clean run up to the end of a head that is only a prefix of a large pickle
    long_run = (
        p.count >= 16
        and p.distinct >= 3
        and len(head) < total_size
        and p.last_pos >= len(head) // 2
    )
    return p.calls or long_run


def is_text(head: bytes, total_size: int) -> bool:
    """Valid UTF-8 without NULs or stray control characters (a cut-off last character is fine)."""
    if not head or _TEXT_CONTROL.search(head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # only a multi-byte character cut by the end of the head is tolerated
        return (
            len(head) < total_size
            and exc.start >= len(head) - 3
            and exc.reason == "unexpected end of data"
        )
    return True


def first_text_control(data: bytes) -> int | None:
    """Offset of the first byte that does not belong in text, if any."""
    m = _TEXT_CONTROL.search(data)
    return None if m is None else m.start()


def is_lzma_alone(head: bytes) -> bool:
    """The .lzma ("alone") header: props byte, power-of-two-ish dictionary, size, then 0x00.

    The dictionary rule is liblzma's own (what ``lzma.LZMAFile``, and so joblib.load,
    accepts): 2^n or 2^n + 2^(n-1) for any n, or 0xFFFFFFFF; smaller than the encoder's
    4 KiB minimum is still decoded.
    """
    if len(head) < 14 or head[0] >= 225:
        return False
    dict_size, size = struct.unpack_from("<IQ", head, 1)
    plausible_dict = dict_size in (1, 0xFFFFFFFF) or any(
        dict_size in (1 << n, (1 << n) | (1 << (n - 1))) for n in range(1, 32)
    )
    # the range coder's first output byte is always zero
    return plausible_dict and (size == 0xFFFFFFFFFFFFFFFF or size < 1 << 48) and head[13] == 0


def is_zlib(head: bytes) -> bool:
    """A zlib header (32 KiB window) whose first bytes actually inflate."""
    if len(head) < 2 or head[0] != 0x78 or (head[0] * 256 + head[1]) % 31 or head[1] & 0x20:
        return False
    try:
        zlib.decompressobj().decompress(head[:1024], 64)
    except zlib.error:
        return False
    return True


JOBLIB_ZF_HEADER = 21  # b"ZF" + hex length left-justified to 19 characters


def is_joblib_zf(head: bytes) -> bool:
    """joblib < 0.10 ``ZF`` files: b"ZF", the payload length as ``0x...`` text, a zlib stream."""
    if len(head) < JOBLIB_ZF_HEADER + 2 or not head.startswith(b"ZF0x"):
        return False
    return re.fullmatch(rb"ZF0x[0-9a-fA-F]+L? *", head[:JOBLIB_ZF_HEADER]) is not None and is_zlib(
        head[joblib_zf_skip(head) :]
    )


def joblib_zf_skip(head: bytes) -> int:
    """Bytes before a ZF file's zlib stream: joblib's ``read_zfile`` skips one more space
    after the header (Python 2 joblib <= 0.8.4 wrote the length one character wider; a
    zlib stream never starts with a space)."""
    return JOBLIB_ZF_HEADER + (head[JOBLIB_ZF_HEADER : JOBLIB_ZF_HEADER + 1] == b" ")


def is_bzip2(head: bytes) -> bool:
    return (
        len(head) >= 10
        and head[:3] == b"BZh"
        and 0x31 <= head[3] <= 0x39
        and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90")
    )


def tar_header_ok(block: bytes) -> bool:
    """A 512-byte tar header as Python's tarfile (torch's legacy reader) accepts it: not all
    NUL, and a checksum field that equals the unsigned *or* the signed byte sum."""
    if len(block) < 512 or not block[:512].strip(b"\0"):
        return False
    expected = tar_number(block[148:156])
    if expected is None:
        return False
    unsigned = 256 + sum(struct.unpack_from("148B8x356B", block))
    signed = 256 + sum(struct.unpack_from("148b8x356b", block))
    return expected in (unsigned, signed)


def tar_number(field: bytes) -> int | None:
    """A numeric tar header field, read as tarfile's ``nti`` reads it (None: tarfile
    refuses it): base-256 after 0x80/0xFF, else octal text up to the first NUL."""
    if not field:
        return None
    if field[0] in (0o200, 0o377):
        value = int.from_bytes(field[1:], "big")
        return value - 256 ** (len(field) - 1) if field[0] == 0o377 else value
    try:
        return int(field.split(b"\0", 1)[0].decode("ascii").strip() or "0", 8)
    except ValueError:
        return None


def sentencepiece_like(head: bytes) -> bool:
    """A protobuf whose first field is a length-delimited message holding a string piece.

    SentencePiece ``tokenizer.model`` files start with field 1 (a SentencePiece message:
    piece string, float score, type enum). A cheap wire-format walk of the head is enough
    to tell them from pickles, which never start with 0x0A.
    """
    if not head.startswith(b"\x0a"):
        return False
    fields = _walk_protobuf(head, 0, len(head), allow_truncated=True)
    if fields is None or len(fields) < 2:
        return False
    number, wire, start, end = fields[0]
    if number != 1 or wire != 2:
        return False
    inner = _walk_protobuf(head, start, min(end, len(head)), allow_truncated=end > len(head))
    if not inner or inner[0][0] != 1 or inner[0][1] != 2:
        return False
    piece = head[inner[0][2] : inner[0][3]]
    try:
        piece.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _walk_protobuf(
    data: bytes, pos: int, end: int, *, allow_truncated: bool
) -> list[tuple[int, int, int, int]] | None:
    """(field, wire type, value start, value end) for each field, or None if invalid."""
    out: list[tuple[int, int, int, int]] = []
    while pos < end:
        key, pos = _varint(data, pos, end)
        if key is None:
            return out if allow_truncated and out else None
        number, wire = key >> 3, key & 7
        if number == 0 or wire not in (0, 1, 2, 5):
            return None
        if wire == 0:
            value, pos = _varint(data, pos, end)
            if value is None:
                return out if allow_truncated else None
            out.append((number, wire, pos, pos))
            continue
        if wire == 2:
            length, pos = _varint(data, pos, end)
            if length is None:
                return out if allow_truncated else None
            size = length
        else:
            size = 8 if wire == 1 else 4
        out.append((number, wire, pos, pos + size))
        if pos + size > end:
            return out if allow_truncated else None
        pos += size
    return out


def _varint(data: bytes, pos: int, end: int) -> tuple[int | None, int]:
    value = shift = 0
    while pos < end and shift < 64:
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7
    return None, pos
