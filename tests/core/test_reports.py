"""One serialiser for API, pages and SARIF."""

from __future__ import annotations

import json

import pytest

from tests.core.samples import clean_pickle, malicious_pickle, submit_bytes
from weightscan.core.models import Scan
from weightscan.core.reports import file_to_dict, iso, report_document, scan_to_dict
from weightscan.core.scans.run import run_scan
from weightscan.core.scans.submit import create_group, seal_group

SCAN_OBJECT_KEYS = {
    "id",
    "kind",
    "status",
    "verdict",
    "stats",
    "progress",
    "source",
    "files",
    "engine",
    "cached",
    "cached_from",
    "error",
    "attempts",
    "created_at",
    "started_at",
    "completed_at",
    "duration_seconds",
    "links",
}


@pytest.fixture
def finished_group(sessions, blobstore, settings):
    with sessions() as s:
        group = create_group(s, source={"type": "huggingface", "repo": "org/name"})
        ids = [
            submit_bytes(s, blobstore, data, name, group_id=group.id, commit=False).scan.id
            for data, name in ((clean_pickle(), "ok.pkl"), (malicious_pickle(), "evil.pkl"))
        ]
        seal_group(s, group.id)
        s.commit()
        gid = group.id
    for scan_id in ids:
        run_scan(sessions, blobstore, scan_id, settings)
    return gid


def test_scan_object_shape(sessions, finished_group):
    with sessions() as s:
        doc = scan_to_dict(s.get(Scan, finished_group), base_url="https://ws.example")
    assert set(doc) == SCAN_OBJECT_KEYS
    assert (doc["kind"], doc["status"], doc["verdict"]) == ("group", "done", "malicious")
    assert doc["stats"] == {"clean": 1, "suspicious": 0, "error": 0, "malicious": 1, "pending": 0}
    assert doc["source"] == {"type": "huggingface", "repo": "org/name"}
    assert [f["path"] for f in doc["files"]] == ["ok.pkl", "evil.pkl"]
    assert "findings" not in doc["files"][0]
    assert doc["files"][1]["findings_count"] == 1
    assert doc["links"]["self"] == f"https://ws.example/api/v1/scans/{finished_group}"
    assert doc["completed_at"].endswith("Z")
    json.dumps(doc, allow_nan=False)


def test_report_includes_findings_and_summary(sessions, finished_group):
    with sessions() as s:
        doc = scan_to_dict(s.get(Scan, finished_group), include_findings=True)
    evil = doc["files"][1]
    assert evil["findings"][0]["rule_id"] == "pickle.import.malicious"
    assert set(evil["findings"][0]) == {"rule_id", "severity", "message", "location", "evidence"}
    assert isinstance(evil["summary"], dict)


def test_a_queued_file_scan(sessions, blobstore):
    with sessions() as s:
        scan = submit_bytes(s, blobstore, clean_pickle()).scan
        doc = scan_to_dict(scan)
    assert (doc["status"], doc["verdict"], doc["completed_at"]) == ("queued", None, None)
    assert doc["stats"]["pending"] == 1
    assert doc["files"][0]["sha256"] == scan.file_sha256


def test_report_document_feeds_the_sarif_renderer(sessions, finished_group):
    sarif = pytest.importorskip("weightscan.scanner.output.sarif")
    with sessions() as s:
        doc = report_document(s.get(Scan, finished_group))
    assert doc["verdict"] == "malicious"
    assert len(doc["files"]) == 2
    log = sarif.sarif_log(doc)
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["pickle.import.malicious"]


def test_file_object(sessions, blobstore, settings):
    from weightscan.core.models import StoredFile

    with sessions() as s:
        scan_id = submit_bytes(s, blobstore, malicious_pickle(), "m.pkl").scan.id
    run_scan(sessions, blobstore, scan_id, settings)
    with sessions() as s:
        latest = s.get(Scan, scan_id)
        latest_sha = latest.file_sha256
        doc = file_to_dict(s.get(StoredFile, latest_sha), latest, names=["m.pkl"])
    assert doc["sha256"] == latest_sha
    assert doc["last_verdict"] == "malicious"
    assert doc["names"] == ["m.pkl"]
    assert doc["stored"] is True


def test_iso_treats_naive_datetimes_as_utc():
    from datetime import datetime

    assert iso(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05.000Z"
    assert iso(None) is None
