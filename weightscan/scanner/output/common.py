"""What every renderer shares: the report as a dict, path errors, counting verdicts."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from weightscan.scanner.model import ScanReport, Verdict

ReportLike = ScanReport | Mapping[str, Any]


@dataclass(frozen=True)
class PathError:
    """A path the caller asked for but that could not be scanned at all (missing, unreadable)."""

    path: str
    message: str  # one line, e.g. "no such file or directory"

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


def report_dict(report: ReportLike) -> dict[str, Any]:
    """The JSON form of a report: ``ScanReport.to_dict()``, or a copy of an already-dict one."""
    if isinstance(report, ScanReport):
        return report.to_dict()
    return dict(report)


def overall_verdict(doc: Mapping[str, Any], errors: Sequence[PathError]) -> str:
    """The worst file verdict; a path that could not be scanned, a path skipped unseen, or
    a scan that analysed no file at all makes it at least ``error``: never a clean pass."""
    files = list(doc.get("files", ()))
    verdicts = [Verdict(f["verdict"]) for f in files]
    unseen = [s for s in doc.get("skipped", ()) if not s.get("covered")]
    if errors or unseen or not files:
        verdicts.append(Verdict.ERROR)
    return Verdict.worst(verdicts).value


def verdict_counts(doc: Mapping[str, Any]) -> dict[str, int]:
    """Files per verdict, every verdict present (zero when none), in rank order."""
    counts = {v.value: 0 for v in Verdict}
    for f in doc.get("files", ()):
        counts[str(f["verdict"])] = counts.get(str(f["verdict"]), 0) + 1
    return counts


def json_safe(value: Any, _depth: int = 0) -> Any:
    """A copy of ``value`` that ``json.dumps(allow_nan=False)`` accepts.

    Reports are JSON-safe by contract; this is the belt to those braces, so a stray float
    NaN, bytes or set in an evidence dict cannot turn a finished scan into a crash.
    """
    if _depth > 50:
        return "<nested too deeply>"
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v, _depth + 1) for v in value]
    if isinstance(value, bytes | bytearray):
        return bytes(value[:256]).hex()
    return str(value)
