"""A Hugging Face cache snapshot is made of symlinks into ``../../blobs/`` (issue 12).

Directory walks used to skip every symlink without a word: a snapshot holding a
malicious ``pytorch_model.bin`` scanned as "0 files, clean", exit 0.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from tests.cli.samples import CLEAN_PICKLE, MALICIOUS_PICKLE, write
from weightscan.cli import main
from weightscan.scanner import Verdict, scan_path


def hf_snapshot(cache: Path, files: dict[str, bytes], rev: str = "a" * 40) -> Path:
    """``models--org--name`` the way huggingface_hub lays it out: blobs + linked snapshot."""
    repo = cache / "models--org--name"
    snapshot = repo / "snapshots" / rev
    for name, data in files.items():
        blob = write(repo / "blobs" / hashlib.sha256(data).hexdigest(), data)
        link = snapshot / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(rev)
    return snapshot


def run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(["scan", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_snapshot_of_links_is_scanned_through_them(tmp_path, capsys):
    snapshot = hf_snapshot(
        tmp_path,
        {
            "pytorch_model.bin": MALICIOUS_PICKLE,
            "config.json": b'{"model_type": "x"}\n',
            "sub/extra.pkl": CLEAN_PICKLE,
        },
    )
    rc, out, _ = run(capsys, "--format", "json", str(snapshot))
    doc = json.loads(out)
    assert rc == 1
    assert doc["verdict"] == "malicious"
    names = sorted(Path(f["path"]).relative_to(snapshot).as_posix() for f in doc["files"])
    assert names == ["config.json", "pytorch_model.bin", "sub/extra.pkl"]


def test_loops_and_second_links_are_listed_as_skipped(tmp_path, capsys):
    snapshot = hf_snapshot(tmp_path, {"model.pkl": CLEAN_PICKLE})
    (snapshot / "again.pkl").symlink_to("model.pkl")
    (snapshot / "loop").symlink_to(".")
    rc, out, _ = run(capsys, "--format", "json", str(snapshot))
    doc = json.loads(out)
    assert rc == 0, doc
    assert [Path(f["path"]).name for f in doc["files"]] == ["again.pkl"]
    reasons = {Path(s["path"]).name: s["reason"] for s in doc["skipped"]}
    assert reasons["model.pkl"].startswith("same file as")
    assert "already walked" in reasons["loop"]
    assert all(s["covered"] for s in doc["skipped"])
    rc, text, _ = run(capsys, str(snapshot))
    assert "loop: SKIPPED" in text
    assert "2 skipped" in text


def test_broken_link_is_an_error_not_a_silent_skip(tmp_path, capsys):
    snapshot = hf_snapshot(tmp_path, {"model.pkl": CLEAN_PICKLE})
    (snapshot / "pytorch_model.bin").symlink_to("../../blobs/" + "0" * 64)
    rc, out, err = run(capsys, "--format", "json", str(snapshot))
    doc = json.loads(out)
    assert rc == 2
    assert doc["verdict"] == "error"
    (error,) = doc["errors"]
    assert error["path"].endswith("pytorch_model.bin")
    assert error["message"].startswith("broken symlink")
    assert "broken symlink" in err


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_a_scan_that_analysed_nothing_is_never_a_clean_pass(tmp_path, capsys, fmt):
    (tmp_path / "empty").mkdir()
    rc, out, err = run(capsys, "--format", fmt, str(tmp_path / "empty"))
    assert rc == 2
    assert "no file was analysed" in err
    if fmt == "json":
        assert json.loads(out)["verdict"] == "error"
    elif fmt == "sarif":
        assert json.loads(out)["runs"][0]["invocations"][0]["executionSuccessful"] is False
    else:
        assert "Verdict: error" in out


def test_library_scan_path_follows_links_and_reports_skips(tmp_path):
    snapshot = hf_snapshot(tmp_path, {"pytorch_model.bin": MALICIOUS_PICKLE})
    (snapshot / "loop").symlink_to("..")
    report = scan_path(snapshot)
    assert [Path(f.path).name for f in report.files] == ["pytorch_model.bin"]
    assert report.verdict is Verdict.MALICIOUS
    (skip,) = report.skipped
    assert skip.covered
    assert "/loop/" in report.to_dict()["skipped"][0]["path"]  # ../ holds the snapshot again


def test_library_scan_path_of_nothing_is_error(tmp_path):
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    report = scan_path(tmp_path)
    assert report.files == ()
    assert report.verdict is Verdict.ERROR
    assert report.skipped[0].reason.startswith("broken symlink")


def test_whole_cache_is_scanned_under_the_snapshot_names(tmp_path, capsys):
    code = b"import os\nos.system('echo x')\n"
    snapshot = hf_snapshot(tmp_path, {"modeling_x.py": code, "model.pkl": CLEAN_PICKLE})
    orphan = write(tmp_path / "models--org--name" / "blobs" / ("f" * 64), MALICIOUS_PICKLE)
    rc, out, _ = run(capsys, "--format", "json", str(tmp_path))
    doc = json.loads(out)
    assert rc == 1
    by_name = {Path(f["path"]).name: f for f in doc["files"]}
    assert by_name["modeling_x.py"]["format"] == "python"
    assert by_name["modeling_x.py"]["verdict"] == "malicious"
    assert Path(by_name["modeling_x.py"]["path"]).parent == snapshot
    assert by_name[orphan.name]["verdict"] == "malicious"  # linked from no snapshot: scanned
    blob_skips = [s for s in doc["skipped"] if "/blobs/" in s["path"]]
    assert len(blob_skips) == 2
    assert all(s["reason"].startswith("same file as") for s in blob_skips)
