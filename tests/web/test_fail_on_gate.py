"""Issue 12 "CI and ecosystem": ``?fail_on=`` makes the status code the gate, so
``curl -sf`` fails a pipeline on a bad file with no JSON parsing. Real HTTP, real worker."""

from __future__ import annotations

import pickle
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.security.live import LiveServer
from tests.security.samples import pickle_calling
from tests.web.conftest import clean_pickle, malicious_pickle

SUSPICIOUS = pickle_calling("mylib.layers", "Builder", "gate")


@pytest.fixture(scope="module")
def live(live_service: Any) -> LiveServer:
    return LiveServer(int(live_service.url.rsplit(":", 1)[1]))


def test_a_malicious_file_fails_the_gate_with_the_report(live: LiveServer) -> None:
    reply = live.put_file(
        "evil.pkl", malicious_pickle("echo gate"), query="?wait=30&fail_on=suspicious"
    )
    assert reply.status == 422, reply.body[:300]
    assert reply.header("x-weightscan-verdict") == "malicious"
    doc = reply.json()
    assert doc["verdict"] == "malicious"
    assert doc["files"][0]["findings"]  # the report, not just the summary


def test_thresholds(live: LiveServer) -> None:
    clean = live.put_file("ok.pkl", clean_pickle(), query="?wait=30&fail_on=suspicious")
    assert clean.status == 200
    assert clean.header("x-weightscan-verdict") == "clean"
    strict = live.put_file("s.pkl", SUSPICIOUS, query="?wait=30&fail_on=suspicious")
    assert strict.status == 422
    lenient = live.put_file("s.pkl", SUSPICIOUS, query="?wait=30&fail_on=malicious")
    assert lenient.status == 200
    assert lenient.header("x-weightscan-verdict") == "suspicious"
    polled = live.get(f"/api/v1/scans/{strict.json()['id']}?fail_on=suspicious")
    assert polled.status == 422


def test_no_verdict_yet_is_not_a_pass(live: LiveServer) -> None:
    late = pickle.dumps({"late": [3.0]}, protocol=4)
    reply = live.put_file("late.pkl", late, query="?fail_on=malicious")
    assert reply.status == 409
    assert reply.header("x-weightscan-verdict") == "pending"


def test_a_bad_threshold_is_refused_before_the_upload(live: LiveServer) -> None:
    reply = live.put_file("x.pkl", b"x", query="?fail_on=sometimes")
    assert reply.status == 400


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_curl_fail_exits_non_zero(live: LiveServer, tmp_path: Path) -> None:
    bad = tmp_path / "model.pt"
    bad.write_bytes(malicious_pickle("echo curl-gate"))
    good = tmp_path / "ok.pt"
    good.write_bytes(pickle.dumps({"curl": [1.0, 2.0]}, protocol=4))

    def curl(path: Path) -> int:
        url = f"{live.url}/api/v1/uploads/{path.name}?wait=30&fail_on=suspicious"
        return subprocess.run(
            ["curl", "-sf", "-o", "/dev/null", "-T", str(path), url], check=False, timeout=60
        ).returncode

    assert curl(bad) == 22  # curl --fail: HTTP status >= 400
    assert curl(good) == 0
