"""Zip analysis: every member by content, read the way PyTorch reads it, within budgets.

Structure first (end record, central directory, every local header, the bytes no member
covers), then members: stored members are windows on the file (no copy), compressed
ones are inflated to a bounded spool, and each is handed to ``analyze_nested`` whatever
its name. In PyTorch/TorchScript zips the tensor storages are only checked at their head,
so a multi-GB checkpoint costs the same as its small pickle.
"""

from __future__ import annotations

import io
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from weightscan.scanner.containers import signatures as sig
from weightscan.scanner.containers import torchzip
from weightscan.scanner.containers.inflate import (
    CODECS,
    RATIO_FLOOR,
    Codec,
    Inflated,
    inflate,
    zip_lzma_codec,
)
from weightscan.scanner.containers.members import (
    analyze_member,
    archive_findings,
    check_link_target,
    check_member_name,
    short,
)
from weightscan.scanner.containers.zipformat import (
    FLAG_DESCRIPTOR,
    FLAG_ENCRYPTED,
    ORDINARY_FLAGS,
    Directory,
    Entry,
    compare_headers,
    descriptor_length,
    read_directory,
    read_local,
    scan_local_signatures,
)
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze_nested
from weightscan.scanner.errors import MalformedInput
from weightscan.scanner.formats import Format
from weightscan.scanner.keras.archive import CONFIG_MEMBER, is_keras_archive
from weightscan.scanner.pickle.probe import looks_like_pickle, reaches_import
from weightscan.scanner.sniff import sniff_format
from weightscan.scanner.source import Source

_METHODS: dict[int, str] = {8: "deflate", 12: "bzip2", 93: "zstd", 95: "xz"}
_MAX_OVERLAPPING_ANALYSED = 32
_GAP_SCAN_BUDGET = 64 << 20  # bytes of unreferenced regions searched for local headers
_MAX_GAPS = 1000
_CRC_MAX = 512 << 20  # stored members larger than this are not re-read for their CRC
_CODE_MAX = 1 << 20  # TorchScript source bytes read per file
_LINK_MAX = 4096  # bytes of a symlink member's target read
_SMALL_MEMBER = 64 << 10  # stored members up to this size are read into memory at once


def analyze_zip(source: Source, ctx: ScanContext) -> None:
    try:
        directory = read_directory(source, max_entries=ctx.limits.max_archive_members)
    except MalformedInput as exc:
        # No usable central directory: zip readers give up, streaming readers do not.
        # Every local entry found in the file is analysed as an unreferenced one.
        ctx.report("format.malformed", f"zip: {exc.reason}", offset=exc.offset)
        directory = Directory([], source.size, source.size, 0)
    run = _ZipRun(source, ctx, directory)
    with run.report:
        run.structure()
        run.members()
    run.finish()
    if directory.alternate is not None:
        _other_view(source, ctx, directory.alternate)


def _other_view(source: Source, ctx: ScanContext, directory: Directory) -> None:
    """The central directory zipfile-based readers see where miniz (torch) sees another."""
    ctx.report(
        "zip.zip64-disagreement",
        "the ZIP64 locator and the record next to it point "
        "at different central directories: torch.load and zipfile-based readers "
        "(numpy.load) see different archives; both were analysed",
        offset=directory.cd_end,
        evidence={"other_directory": directory.cd_start, "other_members": len(directory.entries)},
    )
    run = _ZipRun(source, ctx.child("<zipfile view>"), directory)
    with run.report:
        run.structure(gaps=False)  # the first view's gap scan covered every byte
        run.members()
    run.finish()


@dataclass
class _Stats:
    formats: Counter[str] = field(default_factory=Counter)
    storages: int = 0
    storage_bytes: int = 0
    compressed_bytes: int = 0
    decompressed_bytes: int = 0
    code_files: list[str] = field(default_factory=list)
    skipped_overlapping: int = 0


class _ZipRun:
    """The state of one archive's analysis."""

    def __init__(self, source: Source, ctx: ScanContext, directory: Directory) -> None:
        self.source, self.ctx, self.dir = source, ctx, directory
        self.layout = torchzip.classify([e.name for e in directory.entries])
        self.keras = is_keras_archive([e.name for e in directory.entries])
        self.report = archive_findings(ctx)
        self.stats = _Stats()
        self.overlapping: set[int] = set()  # entry indexes
        self.extra_entries: list[Entry] = []  # local entries the directory does not list
        self.seen_ranges: set[tuple[int, int, int]] = set()
        self.budget_spent = False
        self.overlap_analysed = 0

    # -- structure ----------------------------------------------------------------------
    def structure(self, *, gaps: bool = True) -> None:
        ctx, d = self.ctx, self.dir
        if self.layout.kind in ("pytorch-zip", "torchscript", "numpy-npz"):
            ctx.set_format(self.layout.kind)
        elif self.keras:
            ctx.set_format(Format.KERAS.value)
        elif self.layout.kind == "pytorch-like":
            ctx.report(
                "torch.missing-data-pkl",
                "PyTorch-style archive without data.pkl; every member is analysed by content",
                evidence={"prefix": short(self.layout.prefix)},
            )
        for issue in d.issues:
            self.report(issue.rule_id, issue.message, offset=issue.offset, evidence=issue.evidence)
        if d.more_entries:
            ctx.report(
                "zip.too-many-members",
                f"more than {ctx.limits.max_archive_members} members; the rest were not analysed",
                evidence={"limit": ctx.limits.max_archive_members, "declared": d.declared_entries},
            )
        names: Counter[bytes] = Counter()
        for entry in d.entries:
            ctx.check_time()
            names[entry.name_raw] += 1
            self._check_entry(entry)
        for raw, n in names.items():
            if n > 1:
                dup = short(raw.decode("utf-8", "replace"))
                self.report(
                    "zip.duplicate-name",
                    f"{n} members are named {dup!r}",
                    evidence={"member": dup, "count": n},
                )
        self._check_layout(gaps)

    def _check_entry(self, entry: Entry) -> None:
        name = entry.name
        check_member_name(self.report, name, offset=entry.local_offset)
        if entry.local_offset >= self.source.size:
            self.report(
                "zip.truncated",
                f"member {short(name)!r} starts past the end of the file",
                offset=entry.local_offset,
                evidence={"member": short(name)},
            )
            return
        local = read_local(self.source, entry.local_offset)
        if local is None:
            self.report(
                "zip.bad-local-header",
                f"member {short(name)!r}: no local header at {entry.local_offset}",
                offset=entry.local_offset,
                evidence={"member": short(name)},
            )
            return
        entry.local = local
        if entry.is_symlink:
            check_link_target(
                self.report, name, self._link_target(entry), offset=entry.local_offset
            )
        diffs = compare_headers(entry, local)
        if diffs:
            evidence: dict[str, Any] = {"member": short(name), "fields": diffs}
            if "name" in diffs:
                evidence["local_name"] = short(local.name_raw.decode("utf-8", "replace"))
            self.report(
                "zip.local-header-mismatch",
                f"member {short(name)!r}: local header differs in {', '.join(diffs)}",
                offset=entry.local_offset,
                evidence=evidence,
            )
        flags = entry.flags | local.flags
        if flags & FLAG_ENCRYPTED:
            self.report(
                "zip.encrypted",
                f"member {short(name)!r} is marked encrypted; "
                "analysed as plain data, as PyTorch reads it",
                offset=entry.local_offset,
                evidence={"member": short(name), "flags": flags},
            )
        odd = flags & ~(ORDINARY_FLAGS | FLAG_ENCRYPTED)
        if odd:
            self.report(
                "zip.flag-bits",
                f"member {short(name)!r} sets flag bits {odd:#06x}",
                offset=entry.local_offset,
                evidence={"member": short(name), "flags": flags, "unusual": odd},
            )
        end = local.data_offset + entry.comp_size
        if end > self.source.size:
            self.report(
                "zip.truncated",
                f"member {short(name)!r} data runs past the end of the file",
                offset=local.data_offset,
                evidence={"member": short(name), "missing": end - self.source.size},
            )

    def _link_target(self, e: Entry) -> str:
        """A symlink member's target (its content, as unzip writes it), read bounded."""
        assert e.local is not None
        raw = self.source.read_at(e.local.data_offset, min(e.comp_size, _LINK_MAX))
        if e.method == 8:
            try:
                raw = zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, _LINK_MAX)
            except zlib.error:
                return "<undecodable>"
        elif e.method != 0:
            return "<compressed>"
        return raw.decode("utf-8", "replace")

    def _check_layout(self, gaps: bool) -> None:
        """Overlapping members, and bytes (or whole entries) no directory entry covers."""
        spans: list[tuple[int, int, int]] = []
        for e in self.dir.entries:
            if e.local is None:
                continue
            data_end = e.local.data_offset + e.comp_size
            end = data_end + descriptor_length(self.source, e, data_end)
            spans.append((e.local_offset, end, e.index))
        spans.sort()
        max_end, owner = -1, -1
        for start, end, index in spans:
            if start < max_end:
                self.overlapping.update((index, owner))
            if end > max_end:
                max_end, owner = end, index
        if self.overlapping:
            examples = [short(self.dir.entries[i].name) for i in sorted(self.overlapping)[:5]]
            self.ctx.report(
                "zip.overlapping-members",
                f"{len(self.overlapping)} members share or overlap their data",
                evidence={"members": len(self.overlapping), "examples": examples},
            )
        if gaps:
            self._check_gaps(spans)

    def _check_gaps(self, spans: list[tuple[int, int, int]]) -> None:
        """Every byte that is neither a member nor directory structure is hidden data,
        wherever it is: in front, between members, after the directory, after the end."""
        covered = [(start, end) for start, end, _ in spans] + self.dir.structure
        if self.dir.alternate is not None:
            covered += self.dir.alternate.structure
        gaps: list[tuple[int, int]] = []
        pos = 0
        for start, end in sorted(covered):
            if start > pos:
                gaps.append((pos, start))
            pos = max(pos, end)
        if self.source.size > pos:
            gaps.append((pos, self.source.size))
        budget = _GAP_SCAN_BUDGET
        for start, end in gaps[:_MAX_GAPS]:
            self.ctx.check_time()
            hits = scan_local_signatures(self.source, start, end, budget)
            budget = max(0, budget - (end - start))
            entries = [e for e in (self._unreferenced(h, end) for h in hits) if e is not None]
            first = entries[0].local_offset if entries else end
            if first > start:
                self._hidden_bytes(start, first)
            self.extra_entries.extend(entries)
        if len(gaps) > _MAX_GAPS:
            self.report(
                "zip.hidden-data",
                f"{len(gaps)} unreferenced regions; only the first {_MAX_GAPS} were examined",
                evidence={"regions": len(gaps)},
            )

    def _unreferenced(self, offset: int, gap_end: int) -> Entry | None:
        local = read_local(self.source, offset)
        if local is None:
            return None
        size = local.comp_size
        if local.flags & FLAG_DESCRIPTOR and not size:  # sizes follow the data: bound by the gap
            size = max(0, gap_end - local.data_offset)
        entry = Entry(
            -1,
            local.name_raw,
            local.flags,
            local.method,
            local.crc,
            size,
            local.uncomp_size or size,
            offset,
            local,
        )
        self.report(
            "zip.unreferenced-entry",
            f"local entry {short(entry.name)!r} at {offset} is not in the central directory",
            offset=offset,
            evidence={"member": short(entry.name)},
        )
        check_member_name(self.report, entry.name, offset=offset)
        return entry

    def _hidden_bytes(self, start: int, end: int) -> None:
        if start == 0 and end == 4 and self.source.read_at(0, 4) in (b"PK\x07\x08", b"PK00"):
            return  # the "spanned archive" marker some writers put in front of one-part zips
        chunk = self.source.slice(start, end - start)
        if start == 0 and sniff_format(chunk) is Format.TFLITE:
            # tflite-support packs a model's associated files (labels, vocabularies) as a
            # zip after the flatbuffer: the prefix is the model, analysed as such
            self.stats.formats[str(analyze_nested(chunk, self.ctx, "<prefix>"))] += 1
            return
        where = (
            "before the first member"
            if start == 0
            else "between members"
            if start < self.dir.cd_start
            else "after the central directory"
        )
        self.report(
            "zip.hidden-data",
            f"{end - start} bytes {where} belong to no member",
            offset=start,
            evidence={"size": end - start},
        )
        if sniff_format(chunk) not in (Format.UNKNOWN, Format.EMPTY):
            label = "<prefix>" if start == 0 else f"<hidden@{start}>"
            self.stats.formats[str(analyze_nested(chunk, self.ctx, label))] += 1

    # -- members ------------------------------------------------------------------------
    def members(self) -> None:
        todo = [e for e in self.dir.entries if e.local is not None] + self.extra_entries
        total = len(todo)
        for i, entry in enumerate(todo, 1):
            self.ctx.check_time()
            self._member(entry)
            self.ctx.progress("members", i, total)

    def _member(self, e: Entry) -> None:
        assert e.local is not None
        if e.is_dir:
            return
        key = (e.local.data_offset, e.comp_size, e.method)
        if key in self.seen_ranges:
            return  # the same bytes under another entry were analysed already
        self.seen_ranges.add(key)
        if e.index in self.overlapping:
            if self.overlap_analysed >= _MAX_OVERLAPPING_ANALYSED:
                self.stats.skipped_overlapping += 1
                return
            self.overlap_analysed += 1
        name, layout = e.name, self.layout
        if layout.is_storage(name):
            self._storage(e)
            return
        content = self._open(e)
        if content is None:
            return
        try:
            src = content.source(name) if isinstance(content, Inflated) else content
            if layout.is_metadata(name) and _plain_text(src, torchzip.METADATA_MAX):
                self.stats.formats["metadata"] += 1
                return
            if layout.is_code(name) and _plain_text(src, _CODE_MAX):
                self._code(e, src)
                return
            fmt = Format.PICKLE if layout.is_torch_pickle(name) else None
            if self.keras and name == CONFIG_MEMBER:
                fmt = Format.KERAS_CONFIG  # keras.saving reads it as the model config
            self.stats.formats[str(analyze_member(src, self.ctx, name, fmt))] += 1
        finally:
            if isinstance(content, Inflated):
                content.close()

    def _open(self, e: Entry, *, head_only: int | None = None) -> Source | Inflated | None:
        """The member's bytes: a window on the file (stored) or an inflated spool."""
        assert e.local is not None
        start = e.local.data_offset
        size = max(0, min(e.comp_size, self.source.size - start))
        if e.method == 0:
            if e.comp_size != e.uncomp_size:
                self.report(
                    "zip.size-mismatch",
                    f"stored member {short(e.name)!r} declares "
                    f"{e.uncomp_size} bytes but holds {e.comp_size}",
                    offset=start,
                    evidence={
                        "member": short(e.name),
                        "declared": e.uncomp_size,
                        "stored": e.comp_size,
                    },
                )
                size = max(0, min(max(e.comp_size, e.uncomp_size), self.source.size - start))
            if head_only is None and size <= _SMALL_MEMBER:
                # one read instead of many small seeks: archives of thousands of tiny files
                data = self.source.read_at(start, size)
                self._check_crc(e, zlib.crc32(data))
                return Source(io.BytesIO(data), 0, len(data), name=e.name)
            window = self.source.slice(start, size, name=e.name)
            if head_only is None and window.size <= _CRC_MAX:
                self._check_crc(e, _crc_of(window))
            return window
        codec = self._codec(e)
        if codec is None:
            return None
        if self.budget_spent:
            self.report(
                "limits.resource",
                f"member {short(e.name)!r} not decompressed: the decompression budget is spent",
                evidence={"member": short(e.name)},
            )
            return None
        skip = 0
        if e.method == 14:
            skip = 4 + int.from_bytes(self.source.read_at(start + 2, 2), "little")
        result = inflate(
            self.source.slice(start, size).open(),
            codec,
            self.ctx,
            compressed_size=size,
            skip=skip,
            max_output=head_only,
        )
        self.stats.compressed_bytes += size
        self.stats.decompressed_bytes += result.size
        if head_only is None:
            self._inflate_findings(e, result)
        return result

    def _codec(self, e: Entry) -> Codec | None:
        assert e.local is not None
        if e.method == 14:
            return zip_lzma_codec(self.source.read_at(e.local.data_offset, 9))
        label = _METHODS.get(e.method)
        if label is None:
            self.report(
                "zip.unsupported-method",
                f"member {short(e.name)!r} uses compression method {e.method}",
                offset=e.local_offset,
                evidence={"member": short(e.name), "method": e.method},
            )
            return None
        return CODECS[label]

    def _inflate_findings(self, e: Entry, r: Inflated) -> None:
        name = short(e.name)
        if r.stop == "ratio":
            self.report(
                "zip.bomb",
                f"member {name!r} stopped after {r.size} bytes: beyond the "
                f"{self.ctx.limits.max_compression_ratio:g}x ratio limit",
                offset=e.local_offset,
                evidence={"member": name, "compressed": e.comp_size, "decompressed_so_far": r.size},
            )
        elif r.stop == "budget":
            self.budget_spent = True
            self.ctx.report(
                "limits.resource",
                f"member {name!r}: decompression budget of "
                f"{self.ctx.limits.max_decompressed_bytes} bytes spent",
                evidence={
                    "resource": "decompressed bytes",
                    "limit": self.ctx.limits.max_decompressed_bytes,
                },
            )
        elif r.error is not None or (not r.complete and r.size != e.uncomp_size):
            # (LZMA members may omit the end marker when the size is declared)
            self.report(
                "compressed.truncated",
                f"member {name!r}: compressed data breaks off "
                f"after {r.size} bytes ({r.error or 'unexpected end'})",
                offset=e.local_offset,
                evidence={"member": name, "error": (r.error or "")[:200]},
            )
        else:
            if r.size != e.uncomp_size:
                self.report(
                    "zip.size-mismatch",
                    f"member {name!r} declares {e.uncomp_size} bytes but inflates to {r.size}",
                    offset=e.local_offset,
                    evidence={"member": name, "declared": e.uncomp_size, "actual": r.size},
                )
            self._check_crc(e, r.crc32)

    def _check_crc(self, e: Entry, actual: int) -> None:
        if actual != e.crc:
            self.report(
                "zip.crc-mismatch",
                f"member {short(e.name)!r}: CRC-32 {actual:08x}, directory says {e.crc:08x}",
                offset=e.local_offset,
                evidence={
                    "member": short(e.name),
                    "actual": f"{actual:08x}",
                    "declared": f"{e.crc:08x}",
                },
            )

    def _storage(self, e: Entry) -> None:
        """A tensor storage: never unpickled by torch, so only its head is looked at."""
        self.stats.storages += 1
        self.stats.storage_bytes += e.uncomp_size
        self._check_storage_ratio(e)
        content = self._open(e, head_only=torchzip.STORAGE_HEAD)
        if content is None:
            return
        try:
            src = content.source(e.name) if isinstance(content, Inflated) else content
            hidden = torchzip.storage_hides(src)
        finally:
            if isinstance(content, Inflated):
                content.close()
        if hidden is None:
            return
        self.report(
            "torch.storage-hides-content",
            f"storage {short(e.name)!r} starts like a {hidden}, not tensor data",
            offset=e.local_offset,
            evidence={"member": short(e.name), "looks_like": hidden},
        )
        full = self._open(e)  # analyse the hidden content for what it is
        if full is None:
            return
        try:
            src = full.source(e.name) if isinstance(full, Inflated) else full
            self.stats.formats[str(analyze_member(src, self.ctx, e.name))] += 1
        finally:
            if isinstance(full, Inflated):
                full.close()

    def _check_storage_ratio(self, e: Entry) -> None:
        """torch.save stores records uncompressed; torch.load inflates a compressed one to
        its declared size, so a storage declared far beyond its compressed bytes is a bomb
        (only the head is inflated here, so the ratio is judged on the declared size)."""
        limit = self.ctx.limits.max_compression_ratio
        if (
            e.method == 0
            or e.uncomp_size <= RATIO_FLOOR
            or e.uncomp_size <= limit * max(e.comp_size, 1)
        ):
            return
        self.report(
            "torch.storage-bomb",
            f"storage {short(e.name)!r} declares {e.uncomp_size} "
            f"bytes compressed into {e.comp_size}: beyond the {limit:g}x ratio limit",
            offset=e.local_offset,
            evidence={
                "member": short(e.name),
                "compressed": e.comp_size,
                "declared": e.uncomp_size,
            },
        )

    def _code(self, e: Entry, src: Source) -> None:
        self.stats.code_files.append(e.name)
        text = src.head(_CODE_MAX).decode("utf-8", "replace")
        calls = torchzip.suspicious_code(text)
        if calls:
            self.report(
                "torchscript.suspicious-op",
                f"{short(e.name)!r} calls {', '.join(calls)}",
                offset=e.local_offset,
                evidence={"member": short(e.name), "calls": calls},
            )

    # -- summary ------------------------------------------------------------------------
    def finish(self) -> None:
        s = self.stats
        if s.code_files:
            self.ctx.report(
                "torchscript.code",
                f"{len(s.code_files)} TorchScript source files",
                evidence={
                    "files": [short(n) for n in s.code_files[:20]],
                    "count": len(s.code_files),
                },
            )
        if s.skipped_overlapping:
            self.ctx.report(
                "zip.overlapping-members",
                f"{s.skipped_overlapping} overlapping members were not analysed",
                evidence={"skipped": s.skipped_overlapping},
            )
        self.ctx.note(
            "archive",
            {
                "type": "zip",
                "layout": self.layout.kind,
                "members": len(self.dir.entries),
                "unreferenced_entries": len(self.extra_entries),
                "member_formats": dict(s.formats.most_common(20)),
                "pickles": s.formats.get(Format.PICKLE.value, 0),
                "storages": s.storages,
                "storage_bytes": s.storage_bytes,
                "compressed_bytes": s.compressed_bytes,
                "decompressed_bytes": s.decompressed_bytes,
            },
        )


def _plain_text(src: Source, max_size: int) -> bool:
    """Small text that is not also a protocol-0 pickle (those are analysed, not skipped)."""
    if src.size > max_size:
        return False
    data = src.head(max_size)
    return sig.is_text(data, src.size) and not looks_like_pickle(data) and not reaches_import(src)


def _crc_of(src: Source) -> int:
    crc = 0
    with src.open() as f:
        while chunk := f.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc
