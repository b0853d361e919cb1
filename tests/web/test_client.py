"""``weightscan submit`` against a live server with a real Celery worker process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.web.conftest import ROOT, clean_pickle, malicious_pickle
from weightscan.cli import main


def submit(capsys, live, *args: str) -> tuple[int, str, str]:
    code = main(["submit", "--server", live.url, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.slow
def test_submit_exit_codes_and_formats(live_service, tmp_path, capsys, monkeypatch):
    good = tmp_path / "good.pkl"
    good.write_bytes(clean_pickle())
    bad = tmp_path / "bad.pkl"
    bad.write_bytes(malicious_pickle())

    code, out, err = submit(capsys, live_service, str(good), "--wait", "60")
    assert code == 0, err
    assert "good.pkl" in out

    monkeypatch.setenv("WEIGHTSCAN_TOKEN", "ws_not_needed_in_anonymous_mode")
    code, out, err = submit(capsys, live_service, str(good), str(bad), "--format", "json")
    assert code == 2  # an unknown token is refused even where anonymous use is allowed
    assert "401" in err
    monkeypatch.delenv("WEIGHTSCAN_TOKEN")

    code, out, err = submit(capsys, live_service, str(good), str(bad), "--format", "json")
    assert code == 1, err
    doc = json.loads(out)
    verdicts = sorted(f["verdict"] for s in doc["scans"] for f in s["files"])
    assert verdicts == ["clean", "malicious"]
    assert any(f["findings"] for s in doc["scans"] for f in s["files"])
    code, _, _ = submit(capsys, live_service, str(bad), "--fail-on", "malicious")
    assert code == 1
    code, _, _ = submit(capsys, live_service, str(good), "--fail-on", "malicious")
    assert code == 0

    code, _, err = submit(capsys, live_service, str(tmp_path / "missing.pkl"))
    assert code == 2
    assert "missing.pkl" in err


def test_submit_command_line_entry_point_and_unreachable_server(tmp_path):
    good = tmp_path / "good.pkl"
    good.write_bytes(clean_pickle())
    r = subprocess.run(
        [sys.executable, "-m", "weightscan", "submit", "--server", "http://127.0.0.1:9", str(good)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert r.returncode == 2
    assert "cannot reach" in r.stderr
