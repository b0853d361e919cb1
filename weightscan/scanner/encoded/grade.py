"""Analyse a decoded payload apart, and report it on the file with a grade.

The decoded bytes are analysed like a file of their own, in an isolated context (their
findings are not the file's: bytes that only start like a pickle decode to junk that
would otherwise raise structural findings). The file gets one finding, graded by what
the analysis found in the decoded content itself:

* high (malicious) when the decoded content is malicious on its own, e.g. a pickle that
  imports and calls ``os.system``: that is a staged exploit, which no harmless file
  carries, and encoding it is a deliberate step to hide it from scanners;
* medium (suspicious) when it imports what is not allowed, carries payloads of its own,
  or was not analysed whole (decoding budget, nesting, time);
* nothing when it is harmless (a pickled list, a clean archive) or not what its first
  bytes promised.

Decoded text that holds code is medium at most: no loader runs a string.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

from weightscan.scanner.context import ScanContext
from weightscan.scanner.encoded.decode import MIN_CHARS, Decoded, decode_payload, looks_encoded
from weightscan.scanner.formats import Format
from weightscan.scanner.model import Finding, Severity
from weightscan.scanner.source import Source

_HEAD_ALLOWANCE = 4096  # decoded even past the budget: enough to tell what a value is
# Findings of the decoded content that make the file suspicious (structural findings of
# junk that only looked like a pickle do not).
_COUNTED = (
    "pickle.import.",
    "pickle.call.",
    "pickle.embedded-pickle",
    "pickle.nested-pickle",
    "payload.",
    "limits.",
    "scanner.internal-error",
)
_SHOWN = 5  # decoded findings quoted in the evidence


def inspect_string(text: bytes, ctx: ScanContext, *, where: str, offset: int | None) -> bool:
    """Decode ``text`` (one string value) if it encodes a payload, and report that;
    True when it decoded to something recognisable (reported or found harmless)."""
    if len(text) < MIN_CHARS or not looks_encoded(text):
        return False
    decoded_text = ctx.state.decoded_text
    left = ctx.limits.max_decoded_text_bytes - decoded_text.used
    decoded = decode_payload(text, max(left, _HEAD_ALLOWANCE))
    if decoded is None:
        return False
    decoded_text.used += len(decoded.data)
    digest = hashlib.sha256(decoded.data).digest()
    if digest in decoded_text.seen:
        return True  # the same payload again: reported where it was first seen
    decoded_text.seen.add(digest)
    report_encoded(decoded, ctx, where=where, offset=offset)
    return True


def report_encoded(decoded: Decoded, ctx: ScanContext, *, where: str, offset: int | None) -> None:
    evidence: dict[str, Any] = {
        "where": where[:200],
        "encoding": decoded.encoding,
        "kind": decoded.kind,
        "bytes": len(decoded.data),
    }
    cut = (
        f"; only its first {len(decoded.data)} decoded bytes were analysed"
        if decoded.truncated
        else ""
    )
    if decoded.kind == "code":
        evidence["code"] = decoded.code[:400]
        ctx.report(
            "payload.encoded-code",
            f"{where} is {decoded.encoding} of text that holds code "
            f"({decoded.code.strip()[:80]!r}); whoever decodes and runs it runs that{cut}",
            offset=offset,
            evidence=evidence,
        )
        return
    findings = _analyse_apart(decoded, ctx, where)
    severity = _grade(findings, decoded.truncated)
    if severity is None:
        return
    worst = sorted(findings, key=lambda f: -f.severity.rank)[:_SHOWN]
    evidence["findings"] = [
        {"rule_id": f.rule_id, "severity": f.severity.value, "message": f.message[:300]}
        for f in worst
    ]
    what = "a pickle" if decoded.kind == "pickle" else "an archive"
    verdict = (
        "which is malicious on its own"
        if severity is Severity.HIGH
        else "which is not shown harmless"
    )
    top = f" ({worst[0].rule_id}: {worst[0].message[:120]})" if worst else ""
    ctx.report(
        "payload.encoded",
        f"{where} is {decoded.encoding} of {what} ({len(decoded.data)} bytes), {verdict}{top}{cut}",
        severity=severity,
        offset=offset,
        evidence=evidence,
    )


def _analyse_apart(decoded: Decoded, ctx: ScanContext, where: str) -> list[Finding]:
    from weightscan.scanner.dispatch import analyze_nested

    apart = ctx.isolated()
    fmt = Format.PICKLE if decoded.kind == "pickle" else None
    source = Source(io.BytesIO(decoded.data), name=where)
    analyze_nested(source, apart, f"<{where[:120]} decoded>", fmt)
    return list(apart.findings)


def _grade(findings: list[Finding], truncated: bool) -> Severity | None:
    if any(f.severity.rank >= Severity.HIGH.rank for f in findings if _counted(f)):
        return Severity.HIGH
    if truncated or any(
        f.severity.rank >= Severity.MEDIUM.rank or f.rule_id.startswith("pickle.import.")
        for f in findings
        if _counted(f)
    ):
        return Severity.MEDIUM
    return None


def _counted(finding: Finding) -> bool:
    return finding.rule_id.startswith(_COUNTED)
