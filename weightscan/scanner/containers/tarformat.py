"""A bounded tar header walker (ustar, GNU long names, pax), reading headers only.

Python's tarfile reads pax and GNU long-name records into memory whatever their declared
size; this walker caps them, and yields members as byte ranges of the source (no copy).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from weightscan.scanner.containers.signatures import tar_header_ok, tar_number
from weightscan.scanner.source import Source

BLOCK = 512
MAX_META_RECORD = 1 << 20  # bytes of a pax or GNU long-name record we are willing to read

REGULAR = frozenset({b"0", b"\0", b"7"})
HARDLINK, SYMLINK, DIRECTORY = b"1", b"2", b"5"
SPECIAL = frozenset({b"3", b"4", b"6", b"S"})  # char/block devices, FIFO, GNU sparse


@dataclass(frozen=True)
class TarMember:
    name: str
    kind: bytes  # the typeflag
    size: int
    data_offset: int
    header_offset: int
    linkname: str = ""


@dataclass(frozen=True)
class TarProblem:
    message: str
    offset: int


@dataclass(frozen=True)
class TarEnd:
    """The end-of-archive marker: tarfile (and torch's legacy reader) stop here."""

    offset: int


def walk(source: Source) -> Iterator[TarMember | TarProblem | TarEnd]:
    pos = 0
    long_name: str | None = None
    long_link: str | None = None
    pax: dict[str, str] = {}
    while True:
        block = source.read_at(pos, BLOCK)
        if len(block) < BLOCK:
            if block:
                yield TarProblem("tar archive ends inside a header", pos)
            return
        if not block.strip(b"\0"):
            yield TarEnd(pos)
            return
        if not tar_header_ok(block):
            yield TarProblem("invalid tar header checksum", pos)
            return
        size = tar_number(block[124:136])
        kind = block[156:157]
        data = pos + BLOCK
        if size is None or size < 0:
            yield TarProblem("invalid tar member size", pos)
            return
        if "size" in pax:
            size = int(pax["size"]) if pax["size"].isdigit() else size
        next_pos = data + (size + BLOCK - 1) // BLOCK * BLOCK
        if kind in (b"L", b"K", b"x", b"g"):
            if size > MAX_META_RECORD:
                yield TarProblem(f"tar metadata record of {size} bytes", pos)
                return
            body = source.read_at(data, size)
            if kind == b"L":
                long_name = _cstr(body)
            elif kind == b"K":
                long_link = _cstr(body)
            elif kind == b"x":
                pax = _pax(body)
            pos = next_pos
            continue
        name = long_name or pax.get("path") or _header_name(block)
        link = long_link or pax.get("linkpath") or _cstr(block[157:257])
        if data + size > source.size:
            yield TarProblem(f"tar member {name[:200]!r} runs past the end of the file", pos)
        yield TarMember(name, kind, size, data, pos, link)
        long_name = long_link = None
        pax = {}
        pos = next_pos


def _header_name(block: bytes) -> str:
    name = _cstr(block[:100])
    if block[257:262] == b"ustar":
        prefix = _cstr(block[345:500])
        if prefix:
            name = f"{prefix}/{name}"
    return name


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def _pax(body: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    pos = 0
    while pos < len(body):
        space = body.find(b" ", pos)
        if space < 0:
            break
        try:
            length = int(body[pos:space])
        except ValueError:
            break
        if length <= 0:
            break
        record = body[space + 1 : pos + length - 1]
        key, _, value = record.partition(b"=")
        out[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
        pos += length
    return out
