"""The public entry points: scan files, directories or open streams.

Policy, in one place: a file's verdict is the worst verdict implied by its findings
(``critical``/``high`` -> malicious, ``medium`` -> suspicious); a file the scanner failed
on is ``error``; a file that was not fully understood (malformed, truncated, a limit
reached, an unknown or unopenable format) carries a ``medium`` finding and so is never
``clean``. Nothing is ever unpickled, imported, rendered or executed.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from weightscan.scanner.context import ProgressCallback, ScanContext
from weightscan.scanner.dispatch import analyze, region_key
from weightscan.scanner.limits import DEFAULT_LIMITS, ScanLimits
from weightscan.scanner.model import FileReport, ScanReport, SkippedPath, verdict_for
from weightscan.scanner.source import Source
from weightscan.scanner.version import ENGINE_VERSION, RULES_VERSION
from weightscan.scanner.walk import walk

_HASH_CHUNK = 4 << 20  # 4 MiB reads: hashlib releases the GIL on large buffers


def scan_path(
    path: str | os.PathLike[str],
    *,
    limits: ScanLimits | None = None,
    compute_sha256: bool = False,
    allow: Iterable[str] = (),
    progress: ProgressCallback | None = None,
) -> ScanReport:
    """Scan a file, or every regular file under a directory (sorted, symlinks followed).

    ``allow`` adds "module.name" entries to the import allowlist; the report says so.
    What was not analysed is in ``report.skipped`` with its reason; a report that
    analysed no file, or skipped a path whose content it never saw, is ``error``.
    """
    extra = frozenset(allow)
    files = []
    skipped = []
    for entry in walk(Path(path)):
        if isinstance(entry, SkippedPath):
            skipped.append(entry)
        else:
            files.append(
                scan_file(
                    entry.path,
                    limits=limits,
                    compute_sha256=compute_sha256,
                    allow=extra,
                    progress=progress,
                )
            )
    return _report(tuple(files), extra, tuple(skipped))


def scan_file(
    path: str | os.PathLike[str],
    *,
    limits: ScanLimits | None = None,
    compute_sha256: bool = False,
    allow: Iterable[str] = (),
    progress: ProgressCallback | None = None,
    display_name: str | None = None,
) -> FileReport:
    """Scan one file on disk."""
    with open(path, "rb") as f:
        return scan_fileobj(
            f,
            name=display_name or str(path),
            limits=limits,
            compute_sha256=compute_sha256,
            allow=allow,
            progress=progress,
            origin=os.fspath(path),
        )


def scan_stream(
    fileobj: BinaryIO,
    *,
    name: str = "<stream>",
    limits: ScanLimits | None = None,
    compute_sha256: bool = False,
    allow: Iterable[str] = (),
    progress: ProgressCallback | None = None,
) -> ScanReport:
    """Scan one seekable binary stream (it is read in place, never loaded whole)."""
    extra = frozenset(allow)
    report = scan_fileobj(
        fileobj,
        name=name,
        limits=limits,
        compute_sha256=compute_sha256,
        allow=extra,
        progress=progress,
    )
    return _report((report,), extra)


def scan_fileobj(
    fileobj: BinaryIO,
    *,
    name: str,
    limits: ScanLimits | None = None,
    compute_sha256: bool = False,
    allow: Iterable[str] = (),
    progress: ProgressCallback | None = None,
    origin: str | None = None,
) -> FileReport:
    """Scan one seekable binary stream and return its ``FileReport``.

    ``origin`` is the stream's path on disk, if any: what sits next to it can matter
    (the ``auto_map`` entry that imports a repository's ``*.py``)."""
    limits = limits or DEFAULT_LIMITS
    started = time.monotonic()
    source = Source(fileobj, name=os.path.basename(name))
    ctx = ScanContext.for_file(
        limits, extra_allow=frozenset(allow), progress=progress, origin=origin
    )
    ctx.state.regions[region_key(source, None)] = 0
    try:
        fmt = analyze(source, ctx)
    finally:
        ctx.state.close_side_cars()
    digest = sha256_of(fileobj) if compute_sha256 else None
    state = ctx.state
    findings = list(state.findings)
    if state.dropped_findings:
        ctx.report(
            "limits.findings",
            f"{state.dropped_findings} more findings were dropped",
            evidence={"dropped": state.dropped_findings},
            always=True,
        )
        findings = list(state.findings)
    findings.sort(key=lambda f: -f.severity.rank)
    return FileReport(
        path=name,
        size=source.size,
        format=state.format or fmt.value,
        verdict=verdict_for(findings),
        findings=tuple(findings),
        sha256=digest,
        summary=state.summary,
        duration_seconds=time.monotonic() - started,
    )


def sha256_of(fileobj: BinaryIO) -> str:
    """SHA-256 of a whole seekable stream, read in large chunks."""
    h = hashlib.sha256()
    fileobj.seek(0)
    buf = bytearray(_HASH_CHUNK)
    view = memoryview(buf)
    readinto = getattr(fileobj, "readinto", None)
    while True:
        if readinto is not None:
            n = readinto(buf)
            if not n:
                break
            h.update(view[:n])
        else:
            chunk = fileobj.read(_HASH_CHUNK)
            if not chunk:
                break
            h.update(chunk)
    return h.hexdigest()


def _report(
    files: tuple[FileReport, ...],
    extra_allow: frozenset[str],
    skipped: tuple[SkippedPath, ...] = (),
) -> ScanReport:
    policy = {"extra_allow": sorted(extra_allow)} if extra_allow else {}
    return ScanReport(
        files=files,
        engine_version=ENGINE_VERSION,
        rules_version=RULES_VERSION,
        policy=policy,
        skipped=skipped,
    )
