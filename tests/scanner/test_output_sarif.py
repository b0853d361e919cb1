"""SARIF 2.1.0 that GitHub code scanning accepts: rules, levels, URIs, fingerprints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from weightscan.scanner.model import FileReport, Finding, Location, ScanReport, Severity, Verdict
from weightscan.scanner.output import PathError, sarif_log, sarif_report
from weightscan.scanner.output.sarif import FINGERPRINT_KEY, artifact_uri, fingerprint
from weightscan.scanner.rules import catalogue

MALICIOUS = Finding(
    "scanner.internal-error",
    Severity.CRITICAL,
    "os.system is called",
    Location("archive/data.pkl", 25, 3),
    {"code": "os.system('echo x')"},
)
MEDIUM = Finding("format.malformed", Severity.MEDIUM, "truncated", Location(offset=99))
INFO = Finding("format.text", Severity.INFO, "text")


def _report(tmp_path: Path) -> ScanReport:
    return ScanReport(
        files=(
            FileReport(
                str(tmp_path / "models" / "my model.pt"),
                100,
                "pytorch-zip",
                Verdict.MALICIOUS,
                (MALICIOUS, MEDIUM),
                sha256="ab" * 32,
            ),
            FileReport(str(tmp_path / "README.md"), 5, "text", Verdict.CLEAN, (INFO,)),
        ),
        engine_version="1.2.3",
        rules_version="2026.01.01",
    )


# The parts of the SARIF 2.1.0 schema GitHub's upload relies on (trimmed by hand).
TRIMMED_SCHEMA = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "informationUri": {"type": "string", "format": "uri"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": [
                                                "id",
                                                "shortDescription",
                                                "fullDescription",
                                                "help",
                                                "properties",
                                            ],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "shortDescription": {"$ref": "#/$defs/message"},
                                                "fullDescription": {"$ref": "#/$defs/message"},
                                                "help": {"$ref": "#/$defs/message"},
                                                "defaultConfiguration": {
                                                    "type": "object",
                                                    "properties": {
                                                        "level": {"$ref": "#/$defs/level"}
                                                    },
                                                },
                                                "properties": {
                                                    "type": "object",
                                                    "required": ["security-severity", "tags"],
                                                    "properties": {
                                                        "security-severity": {
                                                            "type": "string",
                                                            "pattern": r"^\d+\.\d$",
                                                        },
                                                        "tags": {
                                                            "type": "array",
                                                            "maxItems": 20,
                                                            "items": {"type": "string"},
                                                        },
                                                    },
                                                },
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "invocations": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["executionSuccessful"],
                            "properties": {"executionSuccessful": {"type": "boolean"}},
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": [
                                "ruleId",
                                "level",
                                "message",
                                "locations",
                                "partialFingerprints",
                            ],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": 0},
                                "level": {"$ref": "#/$defs/level"},
                                "message": {"$ref": "#/$defs/message"},
                                "locations": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": 1000,
                                    "items": {
                                        "type": "object",
                                        "required": ["physicalLocation"],
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "required": ["artifactLocation"],
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "required": ["uri"],
                                                        "properties": {
                                                            "uri": {
                                                                "type": "string",
                                                                "format": "uri-reference",
                                                            }
                                                        },
                                                    },
                                                    "region": {
                                                        "type": "object",
                                                        "properties": {
                                                            "startLine": {
                                                                "type": "integer",
                                                                "minimum": 1,
                                                            },
                                                            "byteOffset": {
                                                                "type": "integer",
                                                                "minimum": 0,
                                                            },
                                                        },
                                                    },
                                                },
                                            }
                                        },
                                    },
                                },
                                "partialFingerprints": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
    "$defs": {
        "message": {
            "type": "object",
            "required": ["text"],
            "properties": {"text": {"type": "string", "minLength": 1}},
        },
        "level": {"enum": ["none", "note", "warning", "error"]},
    },
}


def test_matches_the_trimmed_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    log = json.loads(sarif_report(_report(tmp_path), base_dir=tmp_path))
    jsonschema.validate(log, TRIMMED_SCHEMA)


def test_driver_carries_the_whole_rule_catalogue(tmp_path):
    driver = sarif_log(_report(tmp_path), base_dir=tmp_path)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "weightscan"
    assert driver["version"] == "1.2.3"
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == list(catalogue())
    by_id = {r["id"]: r for r in driver["rules"]}
    internal = by_id["scanner.internal-error"]
    assert internal["properties"]["security-severity"] == "8.0"
    assert "security" in internal["properties"]["tags"]
    assert internal["shortDescription"]["text"] == catalogue()["scanner.internal-error"].title
    assert by_id["format.malformed"]["properties"]["security-severity"] == "5.5"
    assert by_id["format.text"]["properties"]["security-severity"] == "0.0"
    refs = by_id["format.unrecognized"]["help"]["text"]
    assert "CVE-2025-1889" in refs


def test_results_levels_uris_and_locations(tmp_path):
    run = sarif_log(_report(tmp_path), base_dir=tmp_path)["runs"][0]
    results = run["results"]
    assert [r["level"] for r in results] == ["error", "warning", "note"]
    first = results[0]
    assert first["ruleId"] == "scanner.internal-error"
    assert run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == first["ruleId"]
    artifact = first["locations"][0]["physicalLocation"]["artifactLocation"]
    # repo-relative, URI-encoded, nothing glued on
    assert artifact == {"uri": "models/my%20model.pt", "uriBaseId": "%SRCROOT%"}
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert "archive/data.pkl, byte 25, opcode 3" in first["message"]["text"]
    assert first["properties"]["member"] == "archive/data.pkl"
    assert first["properties"]["offset"] == 25
    assert first["properties"]["evidence"]["code"] == "os.system('echo x')"
    assert results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "README.md"


def test_fingerprints_are_stable_and_distinct(tmp_path):
    one = sarif_log(_report(tmp_path), base_dir=tmp_path)["runs"][0]["results"]
    two = sarif_log(_report(tmp_path), base_dir=tmp_path)["runs"][0]["results"]
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in one]
    assert prints == [r["partialFingerprints"][FINGERPRINT_KEY] for r in two]
    assert len(set(prints)) == len(prints)
    assert prints[0] == fingerprint("scanner.internal-error", "ab" * 32, "archive/data.pkl", 25)
    # keyed by content, not by where the checkout lives
    moved = sarif_log(_report(tmp_path / "elsewhere"), base_dir=tmp_path / "elsewhere")
    assert moved["runs"][0]["results"][0]["partialFingerprints"][FINGERPRINT_KEY] == prints[0]


def test_execution_successful_reflects_errors(tmp_path):
    report = _report(tmp_path)
    assert sarif_log(report)["runs"][0]["invocations"][0]["executionSuccessful"] is True
    failed = sarif_log(report, errors=[PathError("gone.pt", "no such file or directory")])
    invocation = failed["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "gone.pt" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    errored = ScanReport(
        files=(FileReport("x", 1, "unknown", Verdict.ERROR),), engine_version="1", rules_version="1"
    )
    assert sarif_log(errored)["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_artifact_uris(tmp_path):
    assert artifact_uri(str(tmp_path / "a b" / "c#d.pt"), tmp_path) == (
        "a%20b/c%23d.pt",
        "%SRCROOT%",
    )
    outside, base_id = artifact_uri("/etc/hosts", tmp_path)
    assert outside == "file:///etc/hosts"
    assert base_id is None
    assert artifact_uri("models/./x.pt", None) == ("models/x.pt", "%SRCROOT%")


def test_a_rule_missing_from_the_catalogue_still_gets_a_rule_entry():
    stored = {
        "verdict": "suspicious",
        "engine": {"version": "0.0.1", "rules_version": "old"},
        "files": [
            {
                "path": "a.pkl",
                "verdict": "suspicious",
                "sha256": None,
                "findings": [
                    {
                        "rule_id": "retired.rule",
                        "severity": "medium",
                        "message": "m",
                        "location": {},
                        "evidence": {},
                    }
                ],
            }
        ],
    }
    run = sarif_log(stored)["runs"][0]
    result = run["results"][0]
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "retired.rule"
