"""``weightscan submit`` against a stand-in server on 127.0.0.1 (issue 12, "submit").

The stand-in answers the two calls the client makes (upload, report) with the service's
shapes, so these tests need no database, broker or worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.cli.samples import CLEAN_PICKLE, MALICIOUS_PICKLE, write
from weightscan.cli import main

ROOT = Path(__file__).resolve().parents[2]


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self) -> None:
        name = unquote(self.path.split("?")[0].rsplit("/", 1)[-1])
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.uploads.append(name)  # type: ignore[attr-defined]
        verdict = "malicious" if b"system" in body else "clean"
        self.server.verdicts[name] = verdict  # type: ignore[attr-defined]
        self._send({"id": name, "status": "done", "verdict": verdict})

    def do_GET(self) -> None:
        scan_id = unquote(self.path.split("/")[-2])
        verdict = self.server.verdicts[scan_id]  # type: ignore[attr-defined]
        findings = (
            []
            if verdict == "clean"
            else [
                {
                    "rule_id": "pickle.import.malicious",
                    "severity": "critical",
                    "message": "imports posix.system " + "x" * 4000,
                    "location": {},
                    "evidence": {},
                }
            ]
        )
        self._send(
            {
                "id": scan_id,
                "status": "done",
                "verdict": verdict,
                "engine": {"version": "9", "rules_version": "9", "policy": {}},
                "files": [
                    {
                        "path": scan_id,
                        "sha256": "0" * 64,
                        "size": 10,
                        "format": "pickle",
                        "verdict": verdict,
                        "findings": findings,
                    }
                ],
            }
        )


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.uploads, httpd.verdicts = [], {}  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(httpd: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path / "repo" / "a.pkl", CLEAN_PICKLE)
    write(tmp_path / "repo" / "sub" / "evil.bin", MALICIOUS_PICKLE)
    return tmp_path / "repo"


def submit(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["submit", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_folder_is_submitted_file_by_file(server, folder, capsys):
    code, _out, err = submit(capsys, "--server", _url(server), str(folder))
    assert "Is a directory" not in err
    assert sorted(server.uploads) == ["a.pkl", "evil.bin"]
    assert code == 1


def test_json_is_one_document_with_verdict_and_counts(server, folder, capsys):
    code, out, _ = submit(capsys, "--server", _url(server), "--format", "json", str(folder))
    doc = json.loads(out)
    assert code == 1
    assert doc["verdict"] == "malicious"
    assert doc["counts"]["files"] == 2
    assert doc["counts"]["malicious"] == 1
    assert doc["counts"]["clean"] == 1
    assert len(doc["scans"]) == 2


def test_text_prints_one_summary(server, folder, capsys):
    _code, out, _ = submit(capsys, "--server", _url(server), str(folder))
    assert out.count("Scanned ") == 1
    assert "Scanned 2 files" in out
    assert "Verdict: malicious" in out


def test_an_empty_folder_is_an_error_not_a_pass(server, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, out, _ = submit(
        capsys, "--server", _url(server), "--format", "json", str(tmp_path / "empty")
    )
    assert code == 2
    assert json.loads(out)["verdict"] == "error"


def test_a_closed_pipe_ends_quietly(server, folder):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "weightscan",
            "submit",
            "--server",
            _url(server),
            "--format",
            "json",
            str(folder),
            str(folder / "a.pkl"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    proc.stdout.close()  # the reader went away before a byte was written, as `| head -0`
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err, err.decode()
    assert b"BrokenPipeError" not in err
    assert proc.returncode == 1


def test_scan_too_ends_quietly_on_a_closed_pipe(folder):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "weightscan", "scan", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err, err.decode()
    assert proc.returncode == 1


class _Answer:
    def __init__(self, body: dict, headers: dict[str, str]) -> None:
        self.status_code, self._body, self.headers = 200, body, headers

    def json(self) -> dict:
        return self._body


def test_the_client_polls_when_the_server_says_busy(monkeypatch) -> None:
    """A server whose wait slots are taken answers at once (``X-Weightscan-Wait: busy``,
    ``Retry-After``): the client sleeps that long instead of asking again at once."""
    import time

    from weightscan.cli.client import Client

    busy = {"X-Weightscan-Wait": "busy", "Retry-After": "2"}
    answers = [
        _Answer({"id": "s", "status": "queued"}, busy),
        _Answer({"id": "s", "status": "queued"}, {"X-Weightscan-Wait": "capped"}),
        _Answer({"id": "s", "status": "done"}, {}),
        _Answer({"id": "s", "status": "done", "verdict": "clean"}, {}),
    ]

    class Session:
        def request(self, *args: object, **kwargs: object) -> _Answer:
            return answers.pop(0)

    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    client = Client("http://scanner", None, Session())
    first = client._call("GET", "/api/v1/scans/s")
    report = client.finish(first, time.monotonic() + 60)
    assert report["verdict"] == "clean"
    assert slept == [2.0]  # after "busy" only; a capped answer had already waited
