"""SARIF 2.1.0 for GitHub code scanning (``weightscan scan --format sarif``).

Model files are binary, so every result points at the whole file (``region.startLine`` 1)
and the archive member, byte offset and opcode index go into the message and the
result's ``properties`` -- never into the artifact URI, which must stay the plain,
repository-relative path so that code scanning can resolve it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from weightscan.scanner.model import Severity
from weightscan.scanner.output.common import PathError, ReportLike, json_safe, report_dict
from weightscan.scanner.output.text import location_text
from weightscan.scanner.rules import Rule, catalogue

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "weightscan"
INFORMATION_URI = "https://github.com/weightscan/weightscan"  # project home, shown by viewers
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "weightscanFinding/v1"

# GitHub reads properties.security-severity (a number as a string) to grade alerts:
# >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def sarif_log(
    report: ReportLike,
    *,
    errors: Sequence[PathError] = (),
    base_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """The report as a SARIF log (a dict).

    ``base_dir`` is the directory artifact URIs are made relative to (the repository
    root in CI; the CLI passes the current directory). Paths outside it become
    absolute ``file://`` URIs.
    """
    doc = json_safe(report_dict(report))
    rules = catalogue()
    rule_ids = list(rules)
    extra_rules: list[dict[str, Any]] = []
    results = []
    for f in doc.get("files", ()):
        uri, base_id = artifact_uri(str(f.get("path", "")), base_dir)
        for finding in f.get("findings", ()):
            rule_id = str(finding.get("rule_id"))
            if rule_id not in rules and rule_id not in rule_ids:
                rule_ids.append(rule_id)  # unknown to this catalogue (an older stored report)
                extra_rules.append(_unknown_rule(rule_id, str(finding.get("severity"))))
            results.append(_result(finding, f, uri, base_id, rule_ids.index(rule_id)))
    engine = doc.get("engine") or {}
    files = list(doc.get("files", ()))
    failed = (
        bool(errors)
        or not files
        or any(f.get("verdict") == "error" for f in files)
        or any(not s.get("covered") for s in doc.get("skipped", ()))
    )
    invocation: dict[str, Any] = {
        "executionSuccessful": not failed,
        "toolExecutionNotifications": [
            {
                "level": "error",
                "message": {"text": f"{e.path}: {e.message}"},
                "locations": [
                    {"physicalLocation": {"artifactLocation": _artifact(e.path, base_dir)}}
                ],
            }
            for e in errors
        ]
        + [
            {
                "level": "note" if s.get("covered") else "error",
                "message": {"text": f"{s.get('path')}: skipped: {s.get('reason')}"},
            }
            for s in doc.get("skipped", ())
        ],
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": str(engine.get("version", "")),
                        "semanticVersion": str(engine.get("version", "")),
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(r) for r in rules.values()] + extra_rules,
                        "properties": {"rulesVersion": str(engine.get("rules_version", ""))},
                    }
                },
                "invocations": [invocation],
                "results": results,
                "columnKind": "unicodeCodePoints",
                "properties": {"verdict": doc.get("verdict"), "policy": doc.get("policy", {})},
            }
        ],
    }


def sarif_report(
    report: ReportLike,
    *,
    errors: Sequence[PathError] = (),
    base_dir: str | os.PathLike[str] | None = None,
) -> str:
    """``sarif_log`` serialised as JSON, ending with a newline."""
    return (
        json.dumps(sarif_log(report, errors=errors, base_dir=base_dir), indent=2, allow_nan=False)
        + "\n"
    )


def artifact_uri(path: str, base_dir: str | os.PathLike[str] | None) -> tuple[str, str | None]:
    """(uri, uriBaseId) for a scanned file: relative to ``base_dir`` when inside it; a
    path that already is a URI (``hf://org/name@sha/file``) stays one."""
    if _URI_SCHEME.match(path):
        return quote(path, safe=":/@"), None
    p = Path(path)
    if base_dir is not None:
        base = Path(os.path.abspath(base_dir))
        absolute = Path(os.path.abspath(p))
        try:
            rel = absolute.relative_to(base)
        except ValueError:
            return absolute.as_uri(), None
        return _quote(rel), SRCROOT
    if p.is_absolute():
        return p.as_uri(), None
    return _quote(PurePath(os.path.normpath(p))), SRCROOT


def fingerprint(rule_id: str, file_key: str, member: str | None, offset: int | None) -> str:
    """Stable id of one finding across runs: rule, file (sha256 or path), member, offset."""
    raw = "\0".join((rule_id, file_key, member or "", "" if offset is None else str(offset)))
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _quote(rel: PurePath) -> str:
    return quote(rel.as_posix(), safe="/")


def _artifact(path: str, base_dir: str | os.PathLike[str] | None) -> dict[str, str]:
    uri, base_id = artifact_uri(path, base_dir)
    return {"uri": uri, **({"uriBaseId": base_id} if base_id else {})}


def _result(
    finding: Mapping[str, Any], f: Mapping[str, Any], uri: str, base_id: str | None, rule_index: int
) -> dict[str, Any]:
    rule_id = str(finding.get("rule_id"))
    severity = _severity(str(finding.get("severity")))
    location = finding.get("location") or {}
    member, offset = location.get("member"), location.get("offset")
    where = location_text(location)
    text = str(finding.get("message", ""))
    if where:
        text = f"{text} (at {where})"
    artifact: dict[str, Any] = {"uri": uri, **({"uriBaseId": base_id} if base_id else {})}
    properties: dict[str, Any] = {"severity": severity.value, "verdict": f.get("verdict")}
    properties.update({k: v for k, v in location.items() if v is not None})
    if f.get("sha256"):
        properties["sha256"] = f["sha256"]
    evidence = finding.get("evidence") or {}
    if evidence:
        properties["evidence"] = evidence
    return {
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": LEVEL[severity],
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": {"startLine": 1},
                }
            }
        ],
        "partialFingerprints": {
            FINGERPRINT_KEY: fingerprint(
                rule_id, str(f.get("sha256") or f.get("path")), member, offset
            ),
        },
        "properties": properties,
    }


def _rule(rule: Rule) -> dict[str, Any]:
    refs = "".join(f"\n- {r}" for r in rule.references)
    help_text = f"{rule.title}.\n\n{rule.why}" + (f"\n\nReferences:{refs}" if refs else "")
    return {
        "id": rule.id,
        "name": _camel(rule.id),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.why},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "tags": ["security", rule.id.split(".")[0], rule.severity.value],
            "precision": "high",
        },
    }


def _unknown_rule(rule_id: str, severity: str) -> dict[str, Any]:
    sev = _severity(severity)
    return {
        "id": rule_id,
        "name": _camel(rule_id),
        "shortDescription": {"text": rule_id},
        "fullDescription": {"text": f"{rule_id} (not in this version's rule catalogue)"},
        "defaultConfiguration": {"level": LEVEL[sev]},
        "properties": {"security-severity": SECURITY_SEVERITY[sev], "tags": ["security"]},
    }


def _severity(value: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        return Severity.MEDIUM  # unknown grade: neither hide nor inflate it


def _camel(rule_id: str) -> str:
    words = rule_id.replace("-", ".").replace("_", ".").split(".")
    return "".join(w[:1].upper() + w[1:] for w in words if w)
