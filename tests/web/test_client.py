"""``weightscan submit`` against a live server with a real Celery worker process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.web.conftest import ROOT, clean_pickle, malicious_pickle


def submit(live, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "weightscan", "submit",
                           "--server", live.url, *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)


@pytest.mark.slow
def test_submit_exit_codes_and_formats(live_service, tmp_path):
    good = tmp_path / "good.pkl"
    good.write_bytes(clean_pickle())
    bad = tmp_path / "bad.pkl"
    bad.write_bytes(malicious_pickle())

    r = submit(live_service, str(good), "--wait", "60")
    assert r.returncode == 0, r.stderr
    assert "good.pkl" in r.stdout

    r = submit(live_service, str(good), str(bad), "--format", "json", "--wait", "60")
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    verdicts = sorted(f["verdict"] for s in doc["scans"] for f in s["files"])
    assert verdicts == ["clean", "malicious"]
    assert any(f["findings"] for s in doc["scans"] for f in s["files"])

    r = submit(live_service, str(tmp_path / "missing.pkl"))
    assert r.returncode == 2
    assert "missing.pkl" in r.stderr

    r = subprocess.run([sys.executable, "-m", "weightscan", "submit", "--server",
                        "http://127.0.0.1:9", str(good)], capture_output=True, text=True,
                       cwd=ROOT, timeout=60, check=False)
    assert r.returncode == 2
    assert "cannot reach" in r.stderr
