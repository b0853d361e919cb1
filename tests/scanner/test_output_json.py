"""The JSON document: one object, worst verdict on top, every file with its facts."""

from __future__ import annotations

import json
import math

from weightscan.scanner.model import FileReport, Finding, Location, ScanReport, Severity, Verdict
from weightscan.scanner.output import PathError, json_document, json_report

FINDING = Finding(
    "scanner.internal-error", Severity.HIGH, "boom", Location(offset=3), {"exception": "ValueError"}
)


def _report() -> ScanReport:
    return ScanReport(
        files=(
            FileReport(
                "a.pkl",
                10,
                "pickle",
                Verdict.CLEAN,
                sha256="0" * 64,
                summary={"imports": ["collections.OrderedDict"]},
            ),
            FileReport("b.pkl", 20, "pickle", Verdict.ERROR, (FINDING,)),
        ),
        engine_version="1.2.3",
        rules_version="2026.01.01",
        policy={"extra_allow": ["m.n"]},
    )


def test_document_shape():
    doc = json.loads(json_report(_report()))
    assert doc["verdict"] == "error"
    assert doc["engine"] == {"version": "1.2.3", "rules_version": "2026.01.01"}
    assert doc["policy"] == {"extra_allow": ["m.n"]}
    assert doc["counts"] == {"files": 2, "clean": 1, "suspicious": 0, "error": 1, "malicious": 0}
    assert doc["errors"] == []
    first, second = doc["files"]
    assert {"path", "sha256", "size", "format", "verdict", "findings", "summary"} <= set(first)
    assert first["summary"] == {"imports": ["collections.OrderedDict"]}
    assert second["findings"] == [
        {
            "rule_id": "scanner.internal-error",
            "severity": "high",
            "message": "boom",
            "location": {"offset": 3},
            "evidence": {"exception": "ValueError"},
        }
    ]


def test_path_errors_are_listed_and_raise_the_verdict():
    report = ScanReport(files=(), engine_version="1", rules_version="1")
    doc = json_document(report, errors=[PathError("x.pt", "permission denied")])
    assert doc["verdict"] == "error"
    assert doc["errors"] == [{"path": "x.pt", "message": "permission denied"}]
    assert json_document(report)["verdict"] == "error"  # nothing analysed is no clean pass


def test_output_is_strict_json_even_with_odd_evidence():
    odd = Finding(
        "format.malformed",
        Severity.MEDIUM,
        "m",
        evidence={"ratio": math.nan, "raw": b"\x00\xff", "set": {1}},
    )
    report = ScanReport(
        files=(FileReport("c", 1, "pickle", Verdict.SUSPICIOUS, (odd,)),),
        engine_version="1",
        rules_version="1",
    )
    text = json_report(report)
    evidence = json.loads(text)["files"][0]["findings"][0]["evidence"]
    assert evidence == {"ratio": "nan", "raw": "00ff", "set": [1]}
    assert text.endswith("\n")


def test_dict_input_gives_the_same_document():
    report = _report()
    assert json_report(report.to_dict()) == json_report(report)
