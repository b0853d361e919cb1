"""Helpers shared by the archive analyzers: analysing a member, checking member names."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze_nested
from weightscan.scanner.finding_caps import RuleCaps
from weightscan.scanner.formats import Format
from weightscan.scanner.source import Source

_NAME_EVIDENCE = 200  # characters of a member name kept in evidence
_MAX_LABEL = 1024  # characters of a member name kept in finding locations
_DRIVE = re.compile(r"[A-Za-z]:(/|$)")  # "C:/..." is absolute on Windows


def analyze_member(
    source: Source, ctx: ScanContext, name: str, fmt: Format | None = None
) -> Format | None:
    """Analyse a member by content, or as ``fmt`` when the loader decides by name.

    torch.load unpickles ``data.pkl`` whatever its bytes look like, so that member is
    analysed as a pickle even when the sniffer would say otherwise. Returns the format
    used (None when the nesting limit stopped it).
    """
    name = name if len(name) <= _MAX_LABEL else name[:_MAX_LABEL] + "..."  # bounded locations
    return analyze_nested(source, ctx, name, fmt)


def short(name: str) -> str:
    return name if len(name) <= _NAME_EVIDENCE else name[:_NAME_EVIDENCE] + "..."


Report = Callable[..., None]  # ScanContext.report, or RuleCaps


def archive_findings(ctx: ScanContext) -> RuleCaps:
    """The per-rule cap for one archive: an archive of 100,000 members with the same
    oddity says so in a few findings and a count."""
    return ctx.capped(
        ctx.limits.max_archive_findings_per_rule,
        summary="{more} more {rule} findings in this archive",
    )


def check_member_name(report: Report, name: str, *, offset: int | None = None) -> None:
    """Report names that escape the extraction directory or are absolute."""
    unified = name.replace("\\", "/")
    if unified.startswith("/") or _DRIVE.match(unified):
        report(
            "archive.absolute-path",
            f"member name is absolute: {short(name)!r}",
            offset=offset,
            evidence={"member": short(name)},
        )
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    depth = 0
    for part in parts:
        depth += -1 if part == ".." else 1
        if depth < 0:
            report(
                "archive.path-traversal",
                f"member name climbs out of the archive: {short(name)!r}",
                offset=offset,
                evidence={"member": short(name)},
            )
            return


def check_link_target(report: Report, name: str, target: str, *, offset: int | None) -> None:
    """Links are reported; links leaving the archive are reported as traversal."""
    report(
        "archive.link",
        f"link {short(name)!r} -> {short(target)!r}",
        offset=offset,
        evidence={"member": short(name), "target": short(target)},
    )
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
    if target.startswith("/") or joined.startswith(".."):
        report(
            "archive.path-traversal",
            f"link {short(name)!r} points outside the archive: {short(target)!r}",
            offset=offset,
            evidence={"member": short(name), "target": short(target)},
        )
