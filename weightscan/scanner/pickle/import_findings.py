"""The imports the engine saw, as findings under the policy (one per import, capped per rule).

Shared by every analysis that runs the engine: plain pickle files, legacy torch, torch
tar, and pickles stored as data inside a pickle (``embedded.py``).
"""

from __future__ import annotations

from typing import Any

from weightscan.scanner.context import ScanContext
from weightscan.scanner.model import Severity
from weightscan.scanner.pickle.policy import Decision
from weightscan.scanner.pickle.summary import ImportSite, PickleSummary

_MAX_CODE_CHARS = 2048


def report_imports(summary: PickleSummary, ctx: ScanContext) -> None:
    """Turn the imports the engine saw into findings under the policy."""
    capped = ctx.capped(
        ctx.limits.max_pickle_import_findings, summary="{more} more imports of this kind"
    )
    with capped as report:
        for site in summary.imports.values():
            rule_id, severity = _rule_for(site)
            if rule_id is None:
                continue
            if not report.has_room(rule_id):  # counted, without building its evidence
                report.hold(rule_id, severity)
                continue
            report(
                rule_id,
                _message(site),
                severity=severity,
                offset=site.offset,
                opcode_index=site.index,
                evidence=_evidence(site, summary),
            )
    for found in summary.code_arguments:
        ctx.report(
            "pickle.call.code-argument",
            f"{found.callee} is called with an argument that holds code",
            offset=found.offset,
            opcode_index=found.index,
            evidence={
                "callee": found.callee[:200],
                "argument": found.text,
                "code": found.code[:_MAX_CODE_CHARS],
            },
        )


def _rule_for(site: ImportSite) -> tuple[str | None, Severity | None]:
    decision = site.classification.decision
    invoked = site.called or site.build_target
    if decision is Decision.ALLOWED:
        return None, None
    if decision is Decision.USER_ALLOWED:
        return "pickle.import.user-allowed", None
    if decision is Decision.STATE_ONLY and not (
        site.constructed or site.build_target or site.result_called or site.used_as_value
    ):
        return None, None  # only ever cls.__new__(cls), then BUILD: what was vetted
    if decision is Decision.DENIED:
        return "pickle.import.malicious", Severity.CRITICAL if invoked else Severity.HIGH
    if decision is Decision.DUNDER:
        return "pickle.import.dunder", Severity.CRITICAL if invoked else Severity.HIGH
    if decision is Decision.NESTED_FILE:
        if site.called and not (site.unanalysed_call or site.build_target or site.result_called):
            return None, None  # every call's bytes were analysed as a file of their own
        return "pickle.import.malicious", Severity.CRITICAL if invoked else Severity.HIGH
    if decision is Decision.WRAPPER:
        if site.result_called:
            return "pickle.import.malicious", Severity.CRITICAL
        if site.wraps_denied:
            return "pickle.import.malicious", Severity.HIGH
    return "pickle.import.unknown", None


def _message(site: ImportSite) -> str:
    how = "imports and calls" if site.called else "imports"
    decision = site.classification.decision
    if decision is Decision.USER_ALLOWED:
        return f"{site.path} is allowed only by the user's allowlist"
    if decision is Decision.UNKNOWN or (
        decision is Decision.WRAPPER and not (site.result_called or site.wraps_denied)
    ):
        return f"the pickle {how} {site.path}, which is not on the allowlist"
    if decision is Decision.WRAPPER:
        what = (
            "invokes the wrapper it builds"
            if site.result_called
            else "wraps a denied callable in it"
        )
        return f"the pickle {how} {site.path} and {what}: {site.classification.reason}"
    return f"the pickle {how} {site.path}: {site.classification.reason}"


def _evidence(site: ImportSite, summary: PickleSummary) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "module": site.module[:200],
        "name": site.name[:200],
        "called": site.called,
        "count": site.count,
    }
    if site.classification.reference:
        evidence["reference"] = site.classification.reference
    code = _code_for(site, summary)
    if code:
        evidence["code"] = code
    return evidence


def _code_for(site: ImportSite, summary: PickleSummary) -> str:
    """The most telling rendered call for this import: the longest excerpt naming it."""
    candidates = [c for c in summary.excerpts if site.path in c] + site.code
    if not candidates:
        return ""
    best = max(candidates, key=len)
    return best[:_MAX_CODE_CHARS]
