"""Tar archives (including torch's pre-zip tar format), and archives we cannot open.

torch.load tries the tar reader before unpickling; its tar format holds ``sys_info``,
``pickle``, ``storages`` and ``tensors`` members, each a pickle stream. Every regular
member is analysed by content; links, devices and escaping names are findings.
"""

from __future__ import annotations

import posixpath
from collections import Counter

from weightscan.scanner.containers import tarformat, torchtar
from weightscan.scanner.containers.members import (
    analyze_member,
    archive_findings,
    check_link_target,
    check_member_name,
    short,
)
from weightscan.scanner.containers.torchtar import analyze_torch_tar_member
from weightscan.scanner.context import ScanContext
from weightscan.scanner.finding_caps import RuleCaps
from weightscan.scanner.formats import Format
from weightscan.scanner.nemo.analyzer import CONFIG_MEMBER as NEMO_CONFIG_MEMBER
from weightscan.scanner.sniff import sniff_format
from weightscan.scanner.source import Source


def analyze_tar(source: Source, ctx: ScanContext) -> None:
    formats: Counter[str] = Counter()
    members = 0
    limit = ctx.limits.max_archive_members
    torch_members = _torch_members(source, limit)
    torch_tar = torch_members is not None
    if torch_tar:
        ctx.set_format(Format.PYTORCH_TAR.value)
    with archive_findings(ctx) as report:
        for item in tarformat.walk(source):
            ctx.check_time()
            if isinstance(item, tarformat.TarProblem):
                report("format.malformed", item.message, offset=item.offset)
                continue
            if isinstance(item, tarformat.TarEnd):
                _after_the_end(source, ctx, item.offset)
                continue
            members += 1
            if members > limit:
                ctx.report(
                    "archive.too-many-members",
                    f"more than {limit} members; the rest were not analysed",
                    evidence={"limit": limit},
                )
                break
            ctx.progress("members", members, 0)
            _member(source, ctx, report, item, formats, torch_tar)
            if torch_members and item.kind in (tarformat.HARDLINK, tarformat.SYMLINK):
                _linked_torch_member(source, ctx, item, torch_members)
    ctx.note(
        "archive",
        {
            "type": "tar",
            "torch_legacy": torch_tar,
            "members": members,
            "member_formats": dict(formats.most_common(20)),
        },
    )


def _torch_members(source: Source, limit: int) -> list[tarformat.TarMember] | None:
    """The members, when torch.load would read this tar as a checkpoint (None if not): it
    extracts the members it needs by name, wherever they are, so every header is looked
    at (not a head)."""
    members: list[tarformat.TarMember] = []
    for i, item in enumerate(tarformat.walk(source)):
        if i >= limit:
            break
        if isinstance(item, tarformat.TarMember):
            members.append(item)
    return members if {m.name for m in members} >= torchtar.LOADED else None


def _linked_torch_member(
    source: Source, ctx: ScanContext, link: tarformat.TarMember, members: list[tarformat.TarMember]
) -> None:
    """A member torch.load reads by name that is a link: tarfile's ``extract`` and
    ``extractfile`` hand over the data of the member it links to, so that data is
    analysed as what torch reads it as (a hard link: the latest member of that name
    before the link; a symbolic link: relative to the link's folder, anywhere)."""
    if link.name not in torchtar.LOADED:
        return
    target: tarformat.TarMember | None = link
    for _ in range(_MAX_LINK_HOPS):
        if target is None or target.kind not in (tarformat.HARDLINK, tarformat.SYMLINK):
            break
        target = _link_target(target, members)
    if target is None or target.kind in _NO_DATA or target.kind in tarformat.SPECIAL:
        return  # tarfile finds no data: torch.load fails there
    data = source.slice(target.data_offset, target.size, name=target.name)
    label = f"{link.name} -> {target.name}"
    if link.name in torchtar.MEMBERS:
        analyze_torch_tar_member(data, ctx.child(label), link.name)
    else:
        analyze_member(data, ctx, label, Format.PICKLE)


_MAX_LINK_HOPS = 8
_NO_DATA = (tarformat.HARDLINK, tarformat.SYMLINK, tarformat.DIRECTORY)


def _link_target(
    link: tarformat.TarMember, members: list[tarformat.TarMember]
) -> tarformat.TarMember | None:
    if link.kind == tarformat.HARDLINK:
        name, before = posixpath.normpath(link.linkname), link.header_offset
    else:
        joined = posixpath.join(posixpath.dirname(link.name), link.linkname)
        name, before = posixpath.normpath(joined), None
    found = None
    for m in members:
        if before is not None and m.header_offset >= before:
            break
        if posixpath.normpath(m.name) == name:
            found = m  # tarfile takes the last member of that name
    return found


_TRAILING_CHECKED = 16 << 20  # bytes after the end marker searched for non-zero data


def _after_the_end(source: Source, ctx: ScanContext, end: int) -> None:
    """Bytes after the end-of-archive marker: tar readers stop there, other readers (and a
    pickle view of the file) do not. Zero padding is normal; anything else is hidden."""
    pos, stop = end, min(source.size, end + _TRAILING_CHECKED)
    while pos < stop:
        chunk = source.read_at(pos, min(1 << 20, stop - pos))
        data = chunk.lstrip(b"\0")
        if data:
            pos += len(chunk) - len(data)
            break
        pos += len(chunk)
    if pos >= source.size:
        return
    checked = pos < stop
    ctx.report(
        "archive.trailing-data",
        f"{source.size - pos} bytes after the tar archive's end "
        "marker"
        + (
            "" if checked else f" were not examined (only {_TRAILING_CHECKED} bytes of padding are)"
        ),
        offset=pos,
        evidence={"size": source.size - pos},
    )
    if checked:
        analyze_member(source.slice(pos, source.size - pos), ctx, "<after the end>")


def _member(
    source: Source,
    ctx: ScanContext,
    report: RuleCaps,
    m: tarformat.TarMember,
    formats: Counter[str],
    torch_tar: bool,
) -> None:
    check_member_name(report, m.name, offset=m.header_offset)
    if m.kind in (tarformat.HARDLINK, tarformat.SYMLINK):
        check_link_target(report, m.name, m.linkname, offset=m.header_offset)
        return
    if m.kind in tarformat.SPECIAL:
        kind = m.kind.decode("latin-1")
        report(
            "archive.special-member",
            f"member {short(m.name)!r} has type {kind!r}; not analysed",
            offset=m.header_offset,
            evidence={"member": short(m.name), "type": kind},
        )
        return
    if m.kind == tarformat.DIRECTORY:
        return
    # regular files, and unknown types, which tarfile also reads as regular files
    member = source.slice(m.data_offset, m.size, name=m.name)
    if torch_tar and m.name in torchtar.MEMBERS:
        formats["pytorch-tar-records"] += 1
        analyze_torch_tar_member(member, ctx.child(m.name), m.name)
        return
    fmt = None
    if m.name.rsplit("/", 1)[-1] == NEMO_CONFIG_MEMBER:
        fmt = Format.NEMO_CONFIG  # NeMo's restore_from instantiates what it names
        ctx.set_format(Format.NEMO.value)
    formats[str(analyze_member(member, ctx, m.name, fmt))] += 1


def analyze_unopenable(source: Source, ctx: ScanContext) -> None:
    """7z and RAR: weightscan does not unpack them, so their content is unknown."""
    kind = sniff_format(source)
    ctx.report(
        "archive.unopenable",
        f"{kind.value} archive cannot be opened; its content is unknown",
        evidence={"format": kind.value},
    )
    ctx.note("archive", {"type": kind.value, "opened": False})
