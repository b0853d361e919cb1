"""A finished scan as a JUnit XML report (GitLab and other CI test-report viewers).

One ``<testcase>`` per file: a ``<failure>`` when its verdict reaches ``fail_on``, an
``<error>`` when the scanner could not finish it. Built with ElementTree (which escapes
markup); characters XML 1.0 cannot carry are replaced first, since they may come from a
hostile file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # building XML only; nothing here parses input
from collections.abc import Mapping
from typing import Any

_RANK = {"clean": 0, "suspicious": 1, "error": 2, "malicious": 3}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
FAIL_ON = ("suspicious", "malicious")


def xml_text(value: Any, limit: int = 4000) -> str:
    text = _NOT_XML.sub("\ufffd", str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def junit_xml(report: Mapping[str, Any], fail_on: str = "suspicious") -> bytes:
    """``report`` is ``weightscan.core.reports.scan_to_dict(scan, include_findings=True)``."""
    threshold = _RANK[fail_on]
    files = list(report.get("files", ()))
    suite = ET.Element(
        "testsuite", name=f"weightscan {xml_text(report.get('id', ''), 60)}", tests=str(len(files))
    )
    failures = errors = 0
    for f in files:
        case = ET.SubElement(
            suite,
            "testcase",
            classname="weightscan",
            name=xml_text(f.get("path") or f.get("sha256") or "file", 500),
        )
        verdict = str(f.get("verdict") or "error")
        findings = list(f.get("findings") or ())
        details = "\n".join(
            f"[{x.get('severity')}] {x.get('rule_id')}: {x.get('message')}" for x in findings
        )
        if verdict == "error":
            errors += 1
            ET.SubElement(
                case, "error", message=xml_text(f.get("error") or "scan error", 500), type="error"
            ).text = xml_text(details)
        elif _RANK.get(verdict, 2) >= threshold:
            failures += 1
            ET.SubElement(
                case, "failure", message=f"verdict: {verdict}", type=verdict
            ).text = xml_text(details)
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    data: bytes = ET.tostring(suite, encoding="utf-8", xml_declaration=True)
    return data
