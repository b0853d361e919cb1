"""Human-readable report: one block per file, then a summary line.

Every string that came from a scanned file (messages, member names, decompiled code) is
passed through ``printable`` first: control characters, ANSI escapes and bidi overrides
in a malicious file must not be able to rewrite what the reader's terminal shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from weightscan.scanner.output.common import (
    PathError,
    ReportLike,
    overall_verdict,
    report_dict,
    verdict_counts,
)

_CODE_MAX_LINES = 30  # a decompiled excerpt longer than this is cut (the JSON keeps it all)
_CODE_MAX_COLUMNS = 200
_INDENT = "    "


def text_report(
    report: ReportLike, *, errors: Sequence[PathError] = (), only_flagged: bool = False
) -> str:
    """The whole report as text. ``only_flagged`` omits the blocks of clean files."""
    doc = report_dict(report)
    blocks = [
        _file_block(f)
        for f in doc.get("files", ())
        if not (only_flagged and f.get("verdict") == "clean")
    ]
    blocks.extend(f"{printable(e.path)}: ERROR\n{_INDENT}{printable(e.message)}\n" for e in errors)
    blocks.extend(
        f"{printable(str(s.get('path')))}: SKIPPED\n{_INDENT}{printable(str(s.get('reason')))}\n"
        for s in doc.get("skipped", ())
    )
    blocks.append(_summary_line(doc, errors))
    return "\n".join(blocks)


def _file_block(f: Mapping[str, Any]) -> str:
    lines = [f"{printable(str(f.get('path')))}: {str(f.get('verdict', '?')).upper()}"]
    facts = [
        f"format {printable(str(f.get('format', '?')))}",
        f"size {human_size(int(f.get('size') or 0))}",
    ]
    if f.get("sha256"):
        facts.append(f"sha256 {f['sha256']}")
    lines.append(_INDENT + "  ".join(facts))
    for finding in f.get("findings", ()):
        lines.extend(_finding_lines(finding))
    return "\n".join(lines) + "\n"


def _finding_lines(finding: Mapping[str, Any]) -> list[str]:
    where = location_text(finding.get("location") or {})
    head = f"{_INDENT}[{finding.get('severity')}] {finding.get('rule_id')}"
    lines = [head + (f" at {printable(where)}" if where else "")]
    lines.append(_INDENT * 2 + printable(str(finding.get("message", ""))))
    code = (finding.get("evidence") or {}).get("code")
    if isinstance(code, str) and code.strip():
        lines.extend(_code_lines(code))
    return lines


def _code_lines(code: str) -> list[str]:
    raw = code.rstrip("\n").split("\n")
    out = []
    for line in raw[:_CODE_MAX_LINES]:
        line = printable(line)
        if len(line) > _CODE_MAX_COLUMNS:
            line = line[:_CODE_MAX_COLUMNS] + " ..."
        out.append(f"{_INDENT * 3}| {line}")
    if len(raw) > _CODE_MAX_LINES:
        out.append(f"{_INDENT * 3}| ... ({len(raw) - _CODE_MAX_LINES} more lines)")
    return out


def _summary_line(doc: Mapping[str, Any], errors: Sequence[PathError]) -> str:
    files = list(doc.get("files", ()))
    counts = verdict_counts(doc)
    total = sum(int(f.get("size") or 0) for f in files)
    parts = [f"{n} {v}" for v, n in reversed(counts.items()) if n]
    if errors:
        parts.append(f"{len(errors)} unreadable path{'s' if len(errors) != 1 else ''}")
    if doc.get("skipped"):
        parts.append(f"{len(doc['skipped'])} skipped")
    engine = doc.get("engine") or {}
    version, rules = engine.get("version", "?"), engine.get("rules_version", "?")
    noun = "file" if len(files) == 1 else "files"
    return (
        f"Scanned {len(files)} {noun} ({human_size(total)}): {', '.join(parts) or 'nothing'}."
        f" Verdict: {overall_verdict(doc, errors)} (weightscan {version}, rules {rules})\n"
    )


def location_text(location: Mapping[str, Any]) -> str:
    """``member, byte N, opcode N`` -- the parts that are known."""
    parts = []
    if location.get("member"):
        parts.append(str(location["member"]))
    if location.get("offset") is not None:
        parts.append(f"byte {location['offset']}")
    if location.get("opcode_index") is not None:
        parts.append(f"opcode {location['opcode_index']}")
    return ", ".join(parts)


def human_size(n: int) -> str:
    """Bytes for humans: ``512 B``, ``1.5 KiB``, ``2.0 GiB``."""
    if n < 1024:
        return f"{n} B"
    size, unit = n / 1024, "KiB"
    for bigger in ("MiB", "GiB", "TiB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{size:.1f} {unit}"


def printable(text: str) -> str:
    """``text`` with control, format (bidi) and unassigned characters shown as escapes."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
    return "".join(out)
