"""The report model: what a scan returns. Frozen dataclasses, JSON-friendly.

Three vocabularies are kept apart on purpose:

* ``Severity`` grades one finding;
* ``Verdict`` summarises one file (or a whole scan: the worst file verdict);
* job status (queued, running, ...) belongs to the service, not here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.StrEnum):
    """How bad one finding is. Declaration order is the ranking (low to high)."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    @property
    def implied_verdict(self) -> Verdict:
        """The file verdict a finding of this severity forces at least.

        ``info`` and ``low`` are notes; ``medium`` means the file cannot be shown safe;
        ``high`` and ``critical`` mean proof of code execution or of an exploit.
        """
        if self.rank >= Severity.HIGH.rank:
            return Verdict.MALICIOUS
        if self is Severity.MEDIUM:
            return Verdict.SUSPICIOUS
        return Verdict.CLEAN


_SEVERITY_ORDER = list(Severity)


class Verdict(enum.StrEnum):
    """What a file (or a scan) is judged to be.

    Ranked ``clean < suspicious < error < malicious``: a scan with one malicious file
    is malicious; a scan that could not finish a file is at least ``error``.
    """

    CLEAN = "clean"
    SUSPICIOUS = "suspicious"
    ERROR = "error"
    MALICIOUS = "malicious"

    @property
    def rank(self) -> int:
        return _VERDICT_ORDER.index(self)

    @staticmethod
    def worst(verdicts: Iterable[Verdict]) -> Verdict:
        return max(verdicts, key=lambda v: v.rank, default=Verdict.CLEAN)


_VERDICT_ORDER = list(Verdict)


@dataclass(frozen=True)
class Location:
    """Where in a file a finding was made."""

    member: str | None = None  # archive member chain, e.g. "outer.zip!archive/data.pkl"
    offset: int | None = None  # byte offset inside that member (or the file)
    opcode_index: int | None = None  # index of the pickle opcode, when it is one

    def to_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (
                ("member", self.member),
                ("offset", self.offset),
                ("opcode_index", self.opcode_index),
            )
            if v is not None
        }

    def __str__(self) -> str:
        parts = []
        if self.member:
            parts.append(self.member)
        if self.offset is not None:
            parts.append(f"@{self.offset}")
        if self.opcode_index is not None:
            parts.append(f"op#{self.opcode_index}")
        return " ".join(parts) or "-"


@dataclass(frozen=True)
class Finding:
    """One observation about a file, tied to a documented rule."""

    rule_id: str  # stable dotted id, documented in docs/rules.md, e.g. "pickle.import.malicious"
    severity: Severity
    message: str  # one human sentence
    location: Location = field(default_factory=Location)
    evidence: Mapping[str, Any] = field(default_factory=dict)  # small and JSON-safe

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "message": self.message,
            "location": self.location.to_dict(),
            "evidence": dict(self.evidence),
        }


@dataclass(frozen=True)
class FileReport:
    """The result for one file."""

    path: str
    size: int
    format: str  # content-sniffed format, e.g. "pytorch-zip", "pickle", "safetensors"
    verdict: Verdict
    findings: tuple[Finding, ...] = ()
    sha256: str | None = None
    summary: Mapping[str, Any] = field(default_factory=dict)  # format facts: tensors, imports...
    duration_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "format": self.format,
            "verdict": self.verdict.value,
            "findings": [f.to_dict() for f in self.findings],
            "summary": dict(self.summary),
            "duration_seconds": round(self.duration_seconds, 6),
        }


@dataclass(frozen=True)
class SkippedPath:
    """A path a scan did not analyse, and why."""

    path: str
    reason: str
    covered: bool = False  # its content was analysed under another name (a second link)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason, "covered": self.covered}


@dataclass(frozen=True)
class ScanReport:
    """The result of a scan of one or more files."""

    files: tuple[FileReport, ...]
    engine_version: str
    rules_version: str
    policy: Mapping[str, Any] = field(default_factory=dict)  # e.g. {"extra_allow": [...]}
    skipped: tuple[SkippedPath, ...] = ()

    @property
    def verdict(self) -> Verdict:
        """The worst file verdict; ``error`` when nothing was analysed or a path was
        skipped unseen: such a scan must never pass as clean."""
        verdicts = [f.verdict for f in self.files]
        if not self.files or any(not s.covered for s in self.skipped):
            verdicts.append(Verdict.ERROR)
        return Verdict.worst(verdicts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "engine": {"version": self.engine_version, "rules_version": self.rules_version},
            "policy": dict(self.policy),
            "files": [f.to_dict() for f in self.files],
            "skipped": [s.to_dict() for s in self.skipped],
        }


def verdict_for(findings: Iterable[Finding]) -> Verdict:
    """The file verdict implied by its findings (``error`` findings are set apart)."""
    verdicts = []
    for f in findings:
        if f.rule_id == "scanner.internal-error":
            verdicts.append(Verdict.ERROR)
        else:
            verdicts.append(f.severity.implied_verdict)
    return Verdict.worst(verdicts)
