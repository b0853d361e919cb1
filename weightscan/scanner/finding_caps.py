"""Per-rule finding caps: one archive, header or template repeating an oddity 100,000 times
says so in a few findings and a count, instead of burying everything else.

Fail closed: what a cap keeps back is counted, and one summary finding per rule says how
many findings were not shown, at the worst severity among them. A dropped critical
finding still makes the file malicious. The summary is written when the scope ends, also
when the analysis stops early (a time limit, a malformed structure).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import catalogue

if TYPE_CHECKING:
    from weightscan.scanner.context import ScanContext

# The summary's message; ``{more}`` is the count not shown, ``{rule}`` the rule id (plain
# replacement, not ``str.format``: messages quote names from the file, braces included).
DEFAULT_SUMMARY = "{more} more findings of this kind were not listed"


@dataclass
class _Held:
    """What a cap kept back of one rule."""

    count: int = 0
    worst: Severity = Severity.INFO


class RuleCaps:
    """Reports at most ``per_rule`` findings of each rule in one scope, then only counts.

    Called like ``ScanContext.report``. Use it as a context manager (``with
    ctx.capped(n) as report:``), or call ``close`` where the scope ends.
    """

    def __init__(
        self,
        ctx: ScanContext,
        per_rule: int,
        *,
        summary: str = DEFAULT_SUMMARY,
        summary_offset: int | None = None,
    ) -> None:
        self._ctx = ctx
        self._per_rule = per_rule
        self._summary = summary
        self._summary_offset = summary_offset
        self._shown: dict[str, int] = {}
        self._held: dict[str, _Held] = {}

    def __call__(
        self,
        rule_id: str,
        message: str,
        *,
        severity: Severity | None = None,
        offset: int | None = None,
        opcode_index: int | None = None,
        evidence: Mapping[str, Any] | None = None,
    ) -> None:
        if self.has_room(rule_id):
            self._shown[rule_id] = self._shown.get(rule_id, 0) + 1
            self._ctx.report(
                rule_id,
                message,
                severity=severity,
                offset=offset,
                opcode_index=opcode_index,
                evidence=evidence,
            )
            return
        self.hold(rule_id, severity)

    def has_room(self, rule_id: str) -> bool:
        """Whether the next finding of ``rule_id`` is reported in full (callers whose
        message is costly to build count the rest with ``hold``)."""
        return self._shown.get(rule_id, 0) < self._per_rule

    def hold(self, rule_id: str, severity: Severity | None = None) -> None:
        """Count a finding of ``rule_id`` that is not shown."""
        held = self._held.setdefault(rule_id, _Held())
        held.count += 1
        effective = severity or catalogue()[rule_id].severity
        if effective.rank > held.worst.rank:
            held.worst = effective

    def close(self) -> None:
        """Write one summary finding per rule that went past the cap (once)."""
        held, self._held = self._held, {}
        for rule_id, h in held.items():
            self._ctx.report(
                rule_id,
                self._summary.replace("{more}", str(h.count)).replace("{rule}", rule_id),
                severity=h.worst,
                offset=self._summary_offset,
                evidence={"more": h.count},
            )

    def __enter__(self) -> RuleCaps:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
