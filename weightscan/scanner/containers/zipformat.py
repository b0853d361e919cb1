"""A tolerant zip structure reader: end record, ZIP64, central directory, local headers.

Unlike ``zipfile`` it never refuses an archive PyTorch would open. Where the structure is
odd (names, flags, sizes or CRCs that disagree, data outside the file), it records an
``Issue`` and carries on, reading members the way PyTorch's reader (miniz) does: the
central directory says where a member is; its local header says where the data starts.
"""

from __future__ import annotations

import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from weightscan.scanner.errors import MalformedInput
from weightscan.scanner.source import Source

SIG_LOCAL = b"PK\x03\x04"
SIG_CENTRAL = b"PK\x01\x02"
SIG_EOCD = b"PK\x05\x06"
SIG_EOCD64 = b"PK\x06\x06"
SIG_LOCATOR64 = b"PK\x06\x07"
SIG_DESCRIPTOR = b"PK\x07\x08"

_EOCD = struct.Struct("<4sHHHHIIH")  # 22 bytes
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")  # 56 bytes
_LOCATOR64 = struct.Struct("<4sIQI")  # 20 bytes
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")  # 46 bytes
_LOCAL = struct.Struct("<4sHHHHHIIIHH")  # 30 bytes
_MAX_COMMENT = 0xFFFF
_U32 = 0xFFFFFFFF
_U16 = 0xFFFF
_MADE_ON_UNIX = 3  # "version made by" host: the external attributes carry a Unix st_mode
MAX_NAME = 4096  # bytes of a member name we keep (the format allows 65535)

FLAG_ENCRYPTED = 0x0001
FLAG_DESCRIPTOR = 0x0008
FLAG_UTF8 = 0x0800
# bits a model writer may set: deflate options (1, 2), data descriptor (3), UTF-8 names (11)
ORDINARY_FLAGS = 0x0002 | 0x0004 | FLAG_DESCRIPTOR | FLAG_UTF8


@dataclass(frozen=True)
class Issue:
    """A structural oddity, reported by the analyzer as a finding."""

    rule_id: str
    message: str
    offset: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class LocalHeader:
    offset: int
    flags: int
    method: int
    crc: int
    comp_size: int
    uncomp_size: int
    name_raw: bytes
    data_offset: int


@dataclass
class Entry:
    """One central directory entry, with its local header once read."""

    index: int
    name_raw: bytes
    flags: int
    method: int
    crc: int
    comp_size: int
    uncomp_size: int
    local_offset: int
    local: LocalHeader | None = None
    unix_mode: int = 0  # st_mode from the external attributes, when made on Unix

    @property
    def is_symlink(self) -> bool:
        return stat.S_ISLNK(self.unix_mode)

    @property
    def name(self) -> str:
        return decode_name(self.name_raw, self.flags)

    @property
    def data_offset(self) -> int | None:
        return None if self.local is None else self.local.data_offset

    @property
    def is_dir(self) -> bool:
        return self.name_raw.endswith(b"/") and self.comp_size == 0


@dataclass
class Directory:
    entries: list[Entry]
    cd_start: int
    cd_end: int  # where the end records begin
    declared_entries: int
    shift: int = 0  # bytes prepended to the archive (zipfile's "concat")
    more_entries: bool = False  # the member limit stopped the walk
    issues: list[Issue] = field(default_factory=list)
    cd_walked: int = -1  # where the last central directory entry read ends
    # Byte ranges that are directory structure (central directory entries, ZIP64 record
    # and locator, end record and its comment): neither member nor hidden data.
    structure: list[tuple[int, int]] = field(default_factory=list)
    # The central directory another reader takes (see ``_zip64_records``), if it differs.
    alternate: Directory | None = None


def decode_name(raw: bytes, flags: int) -> str:
    if flags & FLAG_UTF8:
        return raw.decode("utf-8", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp437")


def read_directory(source: Source, *, max_entries: int) -> Directory:
    """Locate the end record and walk the central directory. Raises MalformedInput if none.

    With ZIP64 end records, miniz (torch.load) follows the locator's offset while
    Python's zipfile (numpy.load, most tools) reads the record right before the locator.
    When they are different records, the directory zipfile sees is ``alternate``.
    """
    eocd_at, eocd = _find_eocd(source)
    _, _disk, _cd_disk, _n_disk, n_entries, cd_size, cd_offset, comment_len = eocd
    end_spans = [(eocd_at, eocd_at + _EOCD.size + comment_len)]
    views = [(eocd_at, n_entries, cd_size, cd_offset)]
    if (
        n_entries == _U16
        or cd_size == _U32
        or cd_offset == _U32
        or source.read_at(eocd_at - _LOCATOR64.size, 4) == SIG_LOCATOR64
    ):
        records = _zip64_records(source, eocd_at)
        if records:
            views = records
            end_spans.append((eocd_at - _LOCATOR64.size, eocd_at))
            end_spans += [(at, at + _EOCD64.size) for at, *_ in records]
    directory = _directory(source, views[0], max_entries, end_spans)
    if len(views) > 1:
        try:
            directory.alternate = _directory(source, views[1], max_entries, end_spans)
        except MalformedInput as exc:
            directory.issues.append(
                Issue(
                    "zip.zip64-disagreement",
                    "the ZIP64 record next to the locator points at no "
                    f"central directory ({exc.reason})",
                    views[1][0],
                )
            )
    return directory


def _directory(
    source: Source,
    view: tuple[int, int, int, int],
    max_entries: int,
    end_spans: list[tuple[int, int]],
) -> Directory:
    record_start, n_entries, cd_size, cd_offset = view
    expected_start = record_start - cd_size
    shift = 0
    if source.read_at(cd_offset, 4) == SIG_CENTRAL or n_entries == 0:
        cd_start = cd_offset
    elif expected_start >= 0 and source.read_at(expected_start, 4) == SIG_CENTRAL:
        # data in front of the archive: offsets are relative to where the zip starts
        cd_start, shift = expected_start, expected_start - cd_offset
    else:
        raise MalformedInput(
            "zip central directory not found where the end record says", offset=cd_offset
        )
    directory = Directory([], cd_start, record_start, n_entries, shift, issues=[])
    for entry in _walk_central(source, directory, max_entries):
        directory.entries.append(entry)
    # past the member limit the rest of the directory is unread, not hidden
    cd_end = directory.cd_end if directory.more_entries else directory.cd_walked
    directory.structure = [(cd_start, cd_end), *end_spans]
    return directory


def _find_eocd(source: Source) -> tuple[int, tuple[Any, ...]]:
    """The last end-of-central-directory record (what both zipfile and miniz pick)."""
    start = max(0, source.size - _EOCD.size - _MAX_COMMENT)
    tail = source.read_at(start, source.size - start)
    pos = tail.rfind(SIG_EOCD)
    while pos >= 0:
        if pos + _EOCD.size <= len(tail):
            return start + pos, _EOCD.unpack_from(tail, pos)
        pos = tail.rfind(SIG_EOCD, 0, pos)
    raise MalformedInput("no zip end-of-central-directory record")


def _zip64_records(source: Source, eocd_at: int) -> list[tuple[int, int, int, int]]:
    """(record offset, entries, directory size, directory offset) of each ZIP64 end record
    a reader takes: miniz's (at the locator's offset) first, then zipfile's (right before
    the locator) when it is another record."""
    locator = source.read_at(eocd_at - _LOCATOR64.size, _LOCATOR64.size)
    if len(locator) != _LOCATOR64.size or not locator.startswith(SIG_LOCATOR64):
        return []
    _, _disk, record_offset, _disks = _LOCATOR64.unpack(locator)
    found: list[tuple[int, int, int, int]] = []
    for at in (record_offset, eocd_at - _LOCATOR64.size - _EOCD64.size):
        record = source.read_at(at, _EOCD64.size)
        if (
            len(record) == _EOCD64.size
            and record.startswith(SIG_EOCD64)
            and all(at != seen for seen, *_ in found)
        ):
            fields = _EOCD64.unpack(record)
            found.append((at, fields[7], fields[8], fields[9]))
    return found


def _walk_central(source: Source, directory: Directory, max_entries: int) -> Iterator[Entry]:
    end = directory.cd_end
    pos = directory.cd_walked = directory.cd_start
    reader = source.slice(pos, max(0, end - pos)).open()
    index = 0
    while pos + _CENTRAL.size <= end:
        fixed = reader.read(_CENTRAL.size)
        if len(fixed) < _CENTRAL.size or not fixed.startswith(SIG_CENTRAL):
            break
        if index >= max_entries:
            directory.more_entries = True
            return
        (
            _,
            made,
            _need,
            flags,
            method,
            _time,
            _date,
            crc,
            csize,
            usize,
            nlen,
            xlen,
            clen,
            _disk,
            _iattr,
            eattr,
            local,
        ) = _CENTRAL.unpack(fixed)
        name = _kept_name(reader.read(min(nlen, MAX_NAME)), nlen)
        if nlen > MAX_NAME:
            reader.seek(nlen - MAX_NAME, 1)
        extra = reader.read(xlen)
        reader.seek(clen, 1)
        pos += _CENTRAL.size + nlen + xlen + clen
        usize, csize, local = _apply_zip64(extra, usize, csize, local)
        directory.cd_walked = pos
        yield Entry(
            index,
            name,
            flags,
            method,
            crc,
            csize,
            usize,
            local + directory.shift,
            unix_mode=eattr >> 16 if made >> 8 == _MADE_ON_UNIX else 0,
        )
        index += 1
    if index < directory.declared_entries and not directory.more_entries:
        directory.issues.append(
            Issue(
                "zip.truncated",
                f"central directory holds {index} of {directory.declared_entries} declared entries",
                pos,
                {"declared": directory.declared_entries, "found": index},
            )
        )


def _apply_zip64(
    extra: bytes, usize: int, csize: int, local: int | None = None
) -> tuple[int, int, int]:
    """Replace saturated 32-bit fields by the ZIP64 extra field's 64-bit values."""
    for tag, body in iter_extra(extra):
        if tag != 0x0001:
            continue
        values = [v for (v,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])]
        if usize == _U32 and values:
            usize = values.pop(0)
        if csize == _U32 and values:
            csize = values.pop(0)
        if local == _U32 and values:
            local = values.pop(0)
        break
    return usize, csize, local if local is not None else 0


def iter_extra(extra: bytes) -> Iterator[tuple[int, bytes]]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        yield tag, extra[pos + 4 : pos + 4 + size]
        pos += 4 + size


def read_local(source: Source, offset: int) -> LocalHeader | None:
    """The local header at ``offset``, or None when there is none."""
    fixed = source.read_at(offset, _LOCAL.size)
    if len(fixed) < _LOCAL.size or not fixed.startswith(SIG_LOCAL):
        return None
    (_, _need, flags, method, _time, _date, crc, csize, usize, nlen, xlen) = _LOCAL.unpack(fixed)
    name = _kept_name(source.read_at(offset + _LOCAL.size, min(nlen, MAX_NAME)), nlen)
    extra = source.read_at(offset + _LOCAL.size + nlen, xlen)
    usize, csize, _ = _apply_zip64(extra, usize, csize)
    return LocalHeader(
        offset, flags, method, crc, csize, usize, name, offset + _LOCAL.size + nlen + xlen
    )


def _kept_name(head: bytes, length: int) -> bytes:
    """A member name, cut to MAX_NAME bytes (with its real length) so memory stays bounded."""
    return head if length <= MAX_NAME else head + b"...(%d bytes)" % length


def compare_headers(entry: Entry, local: LocalHeader) -> list[str]:
    """Fields on which the local header contradicts the central directory."""
    diffs = []
    if local.name_raw != entry.name_raw:
        diffs.append("name")
    if local.method != entry.method:
        diffs.append("method")
    if local.flags != entry.flags:
        diffs.append("flags")
    # with a data descriptor the local copies are legitimately zero
    descriptor = bool(local.flags & FLAG_DESCRIPTOR)
    for label, mine, theirs in (
        ("crc", local.crc, entry.crc),
        ("compressed size", local.comp_size, entry.comp_size),
        ("size", local.uncomp_size, entry.uncomp_size),
    ):
        if mine != theirs and not (descriptor and mine == 0):
            diffs.append(label)
    return diffs


def descriptor_length(source: Source, entry: Entry, data_end: int) -> int:
    """Bytes of the data descriptor after a member's data (0 when there is none)."""
    if not (entry.flags & FLAG_DESCRIPTOR or (entry.local and entry.local.flags & FLAG_DESCRIPTOR)):
        return 0
    peek = source.read_at(data_end, 24)
    if peek[:4] in (SIG_LOCAL, SIG_CENTRAL):
        return 0  # flagged, but the writer put no descriptor there
    signed = peek.startswith(SIG_DESCRIPTOR)
    body = peek[4:] if signed else peek
    wide = entry.comp_size >= _U32 or entry.uncomp_size >= _U32
    if len(body) >= 20 and not wide:
        # 32-bit sizes unless the 64-bit reading matches the directory better
        _crc, c64, u64 = struct.unpack_from("<IQQ", body)
        wide = (c64, u64) == (entry.comp_size, entry.uncomp_size)
    return (4 if signed else 0) + (20 if wide else 12)


def scan_local_signatures(source: Source, start: int, end: int, budget: int) -> list[int]:
    """Offsets of local header signatures in ``[start, end)``, reading at most ``budget``."""
    found: list[int] = []
    pos = start
    chunk = 1 << 20
    stop = min(end, start + budget)
    while pos < stop:
        data = source.read_at(pos, min(chunk + 3, stop - pos + 3))
        hit = data.find(SIG_LOCAL)
        while hit >= 0 and pos + hit < stop:
            found.append(pos + hit)
            hit = data.find(SIG_LOCAL, hit + 1)
        pos += chunk
    return sorted(set(found))
