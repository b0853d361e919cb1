"""A minimal, bounded HDF5 reader: the superblock, the root group's object header and its
attribute messages, enough to read string attributes such as Keras' ``model_config``.

Datasets (the weights) are never read. Every address is checked against the file, every
count and size is capped, and continuation blocks are followed at most once each, so a
cyclic or lying file costs a bounded amount of work. Anything the reader does not follow
(attributes in dense storage, shared attribute messages, unusual types) is listed in
``RootAttributes.unread`` so the analyzer can say what was not looked at.

Layout facts come from the HDF5 File Format Specification (superblock versions 0-3,
object header versions 1 and 2, attribute message versions 1-3, global heap collections).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from weightscan.scanner.errors import MalformedInput
from weightscan.scanner.source import Source

SIGNATURE = b"\x89HDF\r\n\x1a\n"
SUPERBLOCK_PLACES = (0, 512, 1024, 2048, 4096)  # after a user block of these sizes
MAX_HEADER_CHUNK = 16 << 20  # one object header block
MAX_CONTINUATIONS = 64
MAX_MESSAGES = 10_000
MAX_ATTRIBUTES = 4096
MAX_STRING = 64 << 20  # one string attribute (a model_config)
MAX_HEAP_OBJECTS = 1_000_000  # objects walked in one global heap collection

_MSG_NIL, _MSG_ATTRIBUTE, _MSG_CONTINUATION, _MSG_ATTRIBUTE_INFO = 0x00, 0x0C, 0x10, 0x15
_SHARED = 0x02
_CLASS_STRING, _CLASS_VLEN = 3, 9


@dataclass(frozen=True)
class Attribute:
    name: str
    value: str | None  # the decoded text of a scalar string attribute, else None
    kind: str  # "string", "other" (not a scalar string) or "too-large"
    offset: int


@dataclass
class RootAttributes:
    superblock_version: int
    superblock_offset: int
    attributes: list[Attribute] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # what the reader did not follow

    def get(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)


def find_superblock(source: Source) -> int | None:
    for place in SUPERBLOCK_PLACES:
        if source.read_at(place, 8) == SIGNATURE:
            return place
    return None


def read_root_attributes(source: Source) -> RootAttributes:
    """The root group's attributes; raises ``MalformedInput`` on a broken structure."""
    return _Reader(source).root()


class _Reader:
    def __init__(self, source: Source) -> None:
        self.src = source
        self.size = source.size
        self.base = 0
        self.o = 8  # size of offsets
        self.length = 8  # size of lengths

    # -- primitives ---------------------------------------------------------------------
    def _read(self, pos: int, n: int, what: str) -> bytes:
        if pos < 0 or n < 0 or pos + n > self.size:
            raise MalformedInput(f"hdf5: {what} lies outside the file", offset=pos)
        return self.src.read_at(pos, n)

    def _uint(self, data: bytes, pos: int, n: int) -> int:
        if pos + n > len(data):
            raise MalformedInput("hdf5: field runs past its structure")
        return int.from_bytes(data[pos : pos + n], "little")

    def _undefined(self, addr: int, n: int) -> bool:
        return addr == (1 << (8 * n)) - 1

    def _address(self, addr: int, what: str) -> int:
        """A file offset for an address relative to the base address, checked."""
        pos = self.base + addr
        if pos >= self.size:
            raise MalformedInput(f"hdf5: {what} address {addr} is past the end of the file")
        return pos

    # -- superblock ---------------------------------------------------------------------
    def root(self) -> RootAttributes:
        start = find_superblock(self.src)
        if start is None:
            raise MalformedInput("hdf5: no superblock signature")
        head = self._read(start, min(256, self.size - start), "superblock")
        version = self._uint(head, 8, 1)
        if version in (0, 1):
            self.o, self.length = self._uint(head, 13, 1), self._uint(head, 14, 1)
            fields = 24 + (4 if version == 1 else 0)
        elif version in (2, 3):
            self.o, self.length = self._uint(head, 9, 1), self._uint(head, 10, 1)
            fields = 12
        else:
            raise MalformedInput(f"hdf5: unsupported superblock version {version}", offset=start)
        if self.o not in (2, 4, 8) or self.length not in (2, 4, 8):
            raise MalformedInput("hdf5: bad size of offsets or lengths", offset=start)
        # Addresses count from the base address, which the library constrains to be the
        # superblock's own offset (non-zero only after a user block).
        self.base = start
        if version in (0, 1):
            # base, free-space, end-of-file and driver addresses, then the root symbol
            # table entry: link name offset, object header address
            root = self._uint(head, fields + 5 * self.o, self.o)
        else:
            root = self._uint(head, fields + 3 * self.o, self.o)
        result = RootAttributes(version, start)
        self._object_header(self._address(root, "root object header"), result)
        return result

    # -- object headers -----------------------------------------------------------------
    def _object_header(self, pos: int, out: RootAttributes) -> None:
        prefix = self._read(pos, min(64, self.size - pos), "object header")
        if prefix[:4] == b"OHDR":
            blocks = self._v2_blocks(pos, prefix)
        elif prefix[:1] == b"\x01":
            blocks = self._v1_blocks(pos, prefix)
        else:
            raise MalformedInput("hdf5: unknown object header version", offset=pos)
        seen: set[int] = {pos}
        messages = 0
        while blocks:
            kind, start, data, creation_order = blocks.pop(0)
            for mtype, mflags, mpos, body in self._messages(kind, data, creation_order):
                messages += 1
                if messages > MAX_MESSAGES:
                    out.unread.append(f"object header has more than {MAX_MESSAGES} messages")
                    return
                if mtype == _MSG_CONTINUATION:
                    addr = self._uint(body, 0, self.o)
                    size = self._uint(body, self.o, self.length)
                    cpos = self._address(addr, "continuation block")
                    if cpos in seen:
                        continue  # a cycle: every block is read once
                    if len(seen) > MAX_CONTINUATIONS:
                        out.unread.append("too many object header continuation blocks")
                        continue
                    seen.add(cpos)
                    blocks.append(self._continuation(kind, cpos, size, creation_order))
                elif mtype == _MSG_ATTRIBUTE:
                    if mflags & _SHARED:
                        out.unread.append("a shared attribute message")
                        continue
                    if len(out.attributes) >= MAX_ATTRIBUTES:
                        out.unread.append(f"more than {MAX_ATTRIBUTES} attributes")
                        continue
                    out.attributes.append(self._attribute(body, start + mpos))
                elif mtype == _MSG_ATTRIBUTE_INFO:
                    self._attribute_info(body, out)

    def _v1_blocks(self, pos: int, prefix: bytes) -> list[tuple[int, int, bytes, bool]]:
        size = self._uint(prefix, 8, 4)
        if size > MAX_HEADER_CHUNK:
            raise MalformedInput("hdf5: object header larger than the limit", offset=pos)
        return [(1, pos + 16, self._read(pos + 16, size, "object header"), False)]

    def _v2_blocks(self, pos: int, prefix: bytes) -> list[tuple[int, int, bytes, bool]]:
        flags = self._uint(prefix, 5, 1)
        p = 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
        width = 1 << (flags & 0x03)
        size = self._uint(prefix, p, width)
        p += width
        if size > MAX_HEADER_CHUNK:
            raise MalformedInput("hdf5: object header larger than the limit", offset=pos)
        return [(2, pos + p, self._read(pos + p, size, "object header"), bool(flags & 0x04))]

    def _continuation(
        self, kind: int, pos: int, size: int, creation_order: bool
    ) -> tuple[int, int, bytes, bool]:
        if size > MAX_HEADER_CHUNK:
            raise MalformedInput("hdf5: continuation block larger than the limit", offset=pos)
        data = self._read(pos, size, "continuation block")
        if kind == 2:
            if data[:4] != b"OCHK":
                raise MalformedInput("hdf5: continuation block without OCHK", offset=pos)
            return (2, pos + 4, data[4:-4], creation_order)  # minus the checksum
        return (1, pos, data, creation_order)

    def _messages(
        self, kind: int, data: bytes, creation_order: bool
    ) -> list[tuple[int, int, int, bytes]]:
        out = []
        p = 0
        head = 8 if kind == 1 else 4 + (2 if creation_order else 0)
        while p + head <= len(data):
            if kind == 1:
                mtype, size = self._uint(data, p, 2), self._uint(data, p + 2, 2)
                mflags = data[p + 4]
            else:
                mtype, size, mflags = data[p], self._uint(data, p + 1, 2), data[p + 3]
            body_at = p + head
            if body_at + size > len(data):
                raise MalformedInput("hdf5: header message runs past its block")
            if mtype != _MSG_NIL:
                out.append((mtype, mflags, body_at, data[body_at : body_at + size]))
            p = body_at + size
            if kind == 1:
                p = (p + 7) & ~7
        return out

    # -- attributes ---------------------------------------------------------------------
    def _attribute(self, body: bytes, pos: int) -> Attribute:
        version = body[0] if body else 0
        if version not in (1, 2, 3):
            raise MalformedInput(f"hdf5: attribute message version {version}", offset=pos)
        name_len, type_len, space_len = (self._uint(body, p, 2) for p in (2, 4, 6))
        p = 8 + (1 if version == 3 else 0)

        def take(n: int) -> bytes:
            nonlocal p
            part = body[p : p + n]
            if len(part) != n:
                raise MalformedInput("hdf5: attribute fields run past the message", offset=pos)
            p += (n + 7) & ~7 if version == 1 else n
            return part

        name = take(name_len).split(b"\0", 1)[0].decode("utf-8", "replace")
        dtype, space = take(type_len), take(space_len)
        data = body[p:]
        count = self._elements(space, pos)
        if count != 1 or len(dtype) < 8:
            return Attribute(name, None, "other", pos)
        cls = dtype[0] & 0x0F
        if cls == _CLASS_STRING:
            size = self._uint(dtype, 4, 4)
            if size > len(data):
                raise MalformedInput("hdf5: string attribute runs past its message", offset=pos)
            return Attribute(name, _text(data[:size]), "string", pos)
        if cls == _CLASS_VLEN and dtype[1] & 0x0F == 1:
            return self._vlen_string(name, data, pos)
        return Attribute(name, None, "other", pos)

    def _elements(self, space: bytes, pos: int) -> int:
        if len(space) < 4:
            raise MalformedInput("hdf5: short dataspace", offset=pos)
        version, rank = space[0], space[1]
        if version == 2 and space[3] == 2:
            return 0  # null dataspace
        start = 8 if version == 1 else 4
        count = 1
        for i in range(min(rank, 32)):
            count *= self._uint(space, start + i * self.length, self.length)
        return count

    def _vlen_string(self, name: str, data: bytes, pos: int) -> Attribute:
        length = self._uint(data, 0, 4)
        heap = self._uint(data, 4, self.o)
        index = self._uint(data, 4 + self.o, 4)
        if length > MAX_STRING:
            return Attribute(name, None, "too-large", pos)
        if length == 0 or self._undefined(heap, self.o):
            return Attribute(name, "", "string", pos)
        return Attribute(name, _text(self._heap_object(heap, index, length)), "string", pos)

    def _heap_object(self, addr: int, index: int, length: int) -> bytes:
        pos = self._address(addr, "global heap")
        head = self._read(pos, 8 + self.length, "global heap")
        if head[:4] != b"GCOL":
            raise MalformedInput("hdf5: global heap without GCOL", offset=pos)
        end = min(pos + self._uint(head, 8, self.length), self.size)
        p = pos + 8 + self.length
        entry = 8 + self.length
        for _ in range(MAX_HEAP_OBJECTS):
            if p + entry > end:
                break
            head = self._read(p, entry, "global heap object")
            obj_index, size = self._uint(head, 0, 2), self._uint(head, 8, self.length)
            if obj_index == 0:
                break  # free space: the rest of the collection
            if obj_index == index:
                if size < length or p + entry + length > end:
                    raise MalformedInput("hdf5: heap object shorter than its string", offset=p)
                return self._read(p + entry, length, "global heap object")
            p += entry + ((size + 7) & ~7)
        raise MalformedInput(f"hdf5: global heap object {index} not found", offset=pos)

    def _attribute_info(self, body: bytes, out: RootAttributes) -> None:
        flags = body[1] if len(body) > 1 else 0
        p = 2 + (2 if flags & 0x01 else 0)
        heap = self._uint(body, p, self.o)
        if not self._undefined(heap, self.o):
            out.unread.append("attributes in dense storage (fractal heap)")


def _text(raw: bytes) -> str:
    return raw.rstrip(b"\0 ").decode("utf-8", "replace")
