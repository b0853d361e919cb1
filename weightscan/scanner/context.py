"""The state one file's analysis carries: limits, policy, findings, nesting, deadline."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from weightscan.scanner.errors import LimitExceeded
from weightscan.scanner.finding_caps import DEFAULT_SUMMARY, RuleCaps
from weightscan.scanner.limits import ScanLimits
from weightscan.scanner.model import Finding, Location, Severity
from weightscan.scanner.rules import catalogue

ProgressCallback = Callable[[str, int, int], None]  # (stage, done, total)

MEMBER_SEPARATOR = "!"  # "outer.zip!archive/data.pkl"
_MAX_MEMBER_SUMMARIES = 200


@dataclass
class DecodedText:
    """Text decoded as base64/hex in one file, shared with the isolated contexts made
    from it: bytes decoded so far, and digests of the values already analysed."""

    used: int = 0
    seen: set[bytes] = field(default_factory=set)


@dataclass
class _FileState:
    """Shared by every context of one top-level file (nested members included)."""

    limits: ScanLimits
    deadline: float
    extra_allow: frozenset[str]
    progress: ProgressCallback | None
    findings: list[Finding] = field(default_factory=list)
    dropped_findings: int = 0
    weakest_index: int | None = None  # index of a lowest-severity finding once the list is full
    summary: dict[str, Any] = field(default_factory=dict)
    format: str | None = None
    decompressed_bytes: int = 0
    opcodes: int = 0  # pickle opcodes counted across every pickle in the file
    # Every byte range analysed so far (see dispatch.region_key) -> the decompressed bytes
    # its analysis cost: members holding the same bytes are analysed once.
    regions: dict[tuple[Any, ...], int] = field(default_factory=dict)
    origin: str | None = None  # the file's path on disk, when it has one (its folder matters)
    # joblib side-car files analysed with this file (name -> open file): kept open until
    # the scan ends, so that no two of them share an identity in ``regions``
    side_cars: dict[str, BinaryIO] = field(default_factory=dict)
    decoded_text: DecodedText = field(default_factory=DecodedText)

    def close_side_cars(self) -> None:
        for fh in self.side_cars.values():
            fh.close()
        self.side_cars.clear()


class ScanContext:
    """Handed to every analyzer; a nested member gets a child context sharing the state."""

    def __init__(self, state: _FileState, *, member: str | None = None, depth: int = 0) -> None:
        self._state = state
        self.member = member
        self.depth = depth

    @classmethod
    def for_file(
        cls,
        limits: ScanLimits,
        *,
        extra_allow: frozenset[str] = frozenset(),
        progress: ProgressCallback | None = None,
        origin: str | None = None,
    ) -> ScanContext:
        deadline = time.monotonic() + limits.max_seconds
        return cls(_FileState(limits, deadline, extra_allow, progress, origin=origin))

    # -- configuration ---------------------------------------------------------------
    @property
    def limits(self) -> ScanLimits:
        return self._state.limits

    @property
    def extra_allow(self) -> frozenset[str]:
        """Imports the user added to the allowlist ("module.name")."""
        return self._state.extra_allow

    @property
    def origin(self) -> str | None:
        """The scanned file's path on disk (None for streams): repository code looks
        at its neighbours (``config.json``) through it."""
        return self._state.origin

    @property
    def state(self) -> _FileState:
        return self._state

    # -- nesting ---------------------------------------------------------------------
    def child(self, member_name: str) -> ScanContext:
        """Context for a member of the container this context is analysing."""
        member = (
            member_name if self.member is None else f"{self.member}{MEMBER_SEPARATOR}{member_name}"
        )
        return ScanContext(self._state, member=member, depth=self.depth + 1)

    def isolated(self) -> ScanContext:
        """A context for content analysed apart (a payload stored as data, whose findings
        are not the file's): fresh findings, the same deadline, limits and decoding
        budget; the nesting depth is counted by the analysis run in it."""
        st = self._state
        state = _FileState(
            st.limits, st.deadline, st.extra_allow, None, decoded_text=st.decoded_text
        )
        return ScanContext(state, member=self.member, depth=self.depth)

    # -- findings --------------------------------------------------------------------
    def report(
        self,
        rule_id: str,
        message: str,
        *,
        severity: Severity | None = None,
        offset: int | None = None,
        opcode_index: int | None = None,
        evidence: Mapping[str, Any] | None = None,
        always: bool = False,
    ) -> None:
        """Record a finding for ``rule_id`` (which must be in the rule catalogue);
        ``always`` keeps it even past the findings cap (the one saying what was dropped)."""
        rule = catalogue()[rule_id]
        finding = Finding(
            rule_id,
            severity or rule.severity,
            message,
            Location(self.member, offset, opcode_index),
            dict(evidence or {}),
        )
        st = self._state
        if always or len(st.findings) < st.limits.max_findings:
            st.findings.append(finding)
            return
        st.dropped_findings += 1
        # Keep the worst severities visible even when the list is full. The weakest slot
        # is recomputed only after a replacement (each slot can be upgraded at most four
        # times), so a flood of findings costs O(1) each.
        if st.weakest_index is None:
            st.weakest_index = _weakest(st.findings)
        if st.findings[st.weakest_index].severity.rank < finding.severity.rank:
            st.findings[st.weakest_index] = finding
            st.weakest_index = _weakest(st.findings)

    def capped(
        self,
        per_rule: int,
        *,
        summary: str = DEFAULT_SUMMARY,
        summary_offset: int | None = None,
    ) -> RuleCaps:
        """A reporter keeping at most ``per_rule`` findings of each rule (a field of
        ``limits``); past it the rest are counted into one summary finding per rule, at
        their worst severity, written when the scope closes (``summary`` is its message,
        with ``{more}`` and ``{rule}``)."""
        return RuleCaps(self, per_rule, summary=summary, summary_offset=summary_offset)

    @property
    def findings(self) -> list[Finding]:
        return self._state.findings

    # -- facts for the report summary --------------------------------------------------
    def note(self, key: str, value: Any) -> None:
        """Attach a fact to the report summary (under the member, for nested content)."""
        summary = self._state.summary
        if self.member is None:
            summary[key] = value
            return
        members = summary.setdefault("members", {})
        if self.member in members or len(members) < _MAX_MEMBER_SUMMARIES:
            members.setdefault(self.member, {})[key] = value

    def set_format(self, fmt: str) -> None:
        """Refine the top-level format name (e.g. "zip" -> "pytorch-zip")."""
        if self.member is None:
            self._state.format = fmt

    # -- budgets ---------------------------------------------------------------------
    def check_time(self) -> None:
        """Raise ``LimitExceeded('time')`` once the file's deadline has passed."""
        if time.monotonic() > self._state.deadline:
            raise LimitExceeded("time", self._state.limits.max_seconds)

    def charge_decompressed(self, nbytes: int) -> None:
        """Count decompressed output against the per-file budget."""
        st = self._state
        st.decompressed_bytes += nbytes
        if st.decompressed_bytes > st.limits.max_decompressed_bytes:
            raise LimitExceeded("decompressed bytes", st.limits.max_decompressed_bytes)

    def progress(self, stage: str, done: int, total: int) -> None:
        if self._state.progress is not None:
            self._state.progress(stage, done, total)


def _weakest(findings: list[Finding]) -> int:
    return min(range(len(findings)), key=lambda i: findings[i].severity.rank)
