"""Shared helpers for the pickle tests: scan bytes end to end through the public API."""

from __future__ import annotations

import io

from weightscan.scanner import FileReport, ScanLimits, scan_stream


def scan(
    data: bytes,
    name: str = "model.pkl",
    *,
    limits: ScanLimits | None = None,
    allow: tuple[str, ...] = (),
) -> FileReport:
    return scan_stream(io.BytesIO(data), name=name, limits=limits, allow=allow).files[0]


def rules(report: FileReport) -> set[str]:
    return {f.rule_id for f in report.findings}


def finding(report: FileReport, rule_id: str, **evidence: object):
    for f in report.findings:
        if f.rule_id == rule_id and all(f.evidence.get(k) == v for k, v in evidence.items()):
            return f
    raise AssertionError(f"no {rule_id} {evidence} in {[x.to_dict() for x in report.findings]}")


def no_internal_error(report: FileReport) -> None:
    assert "scanner.internal-error" not in rules(report), [f.to_dict() for f in report.findings]
