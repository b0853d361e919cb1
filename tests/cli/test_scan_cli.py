"""``weightscan scan`` end to end: real scanner, real files, subprocess and in-process."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.samples import (
    CLEAN_PICKLE,
    MALICIOUS_PICKLE,
    UNKNOWN_IMPORT,
    UNKNOWN_IMPORT_PICKLE,
    safetensors_bytes,
    write,
)
from weightscan.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "weightscan", "scan", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=120,
    )


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def cli(capsys):
    """``weightscan scan ...`` in process (fast); the subprocess tests cover the real entry."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        rc = main(["scan", *args])
        out = capsys.readouterr()
        return Result(rc, out.out, out.err)

    return run


@pytest.fixture
def samples(tmp_path: Path) -> dict[str, Path]:
    return {
        "clean": write(tmp_path / "clean.pkl", CLEAN_PICKLE),
        "malicious": write(tmp_path / "evil.pkl", MALICIOUS_PICKLE),
        "unknown": write(tmp_path / "custom.pkl", UNKNOWN_IMPORT_PICKLE),
        "safetensors": write(tmp_path / "model.safetensors", safetensors_bytes()),
    }


# -- exit codes (subprocess: the real command line) -------------------------------------


def test_clean_file_exits_0_with_a_text_report(samples):
    proc = run_cli(str(samples["clean"]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{samples['clean']}: CLEAN" in proc.stdout
    assert "Scanned 1 file" in proc.stdout
    assert "Verdict: clean" in proc.stdout
    assert proc.stderr == ""  # piped: no progress bar, no noise


def test_malicious_file_exits_1_and_names_the_import(samples):
    proc = run_cli(str(samples["malicious"]))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"{samples['malicious']}: MALICIOUS" in proc.stdout
    assert "os" in proc.stdout
    assert "system" in proc.stdout
    assert run_cli("--fail-on", "malicious", str(samples["malicious"])).returncode == 1


def test_suspicious_file_exits_1_unless_fail_on_malicious(cli, samples):
    proc = cli(str(samples["unknown"]))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "SUSPICIOUS" in proc.stdout
    assert cli("--fail-on", "malicious", str(samples["unknown"])).returncode == 0


def test_allow_turns_an_unknown_import_clean(cli, samples):
    proc = cli("--format", "json", "--allow", UNKNOWN_IMPORT, str(samples["unknown"]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["verdict"] == "clean"
    assert doc["policy"] == {"extra_allow": [UNKNOWN_IMPORT]}
    # allowing one import leaves the others alone
    assert cli("--allow", UNKNOWN_IMPORT, str(samples["malicious"])).returncode == 1


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ("os.system", "denied"),
        ("numpy.__builtins__", "dunder"),
        ("torch.fx.GraphModule", "denied"),
        ("functools.partial", "wrapper"),
    ],
)
def test_allow_warns_when_it_cannot_clear_an_import(cli, samples, entry, why):
    proc = cli("--allow", entry, str(samples["malicious"]))
    assert proc.returncode == 1  # still malicious: the entry is ignored
    assert f"--allow {entry} cannot clear" in proc.stderr
    assert why in proc.stderr


def test_allow_of_an_unknown_import_does_not_warn(cli, samples):
    proc = cli("--allow", UNKNOWN_IMPORT, str(samples["unknown"]))
    assert "cannot clear" not in proc.stderr


def test_missing_path_exits_2_with_one_line_on_stderr(samples, tmp_path):
    missing = tmp_path / "nope.pt"
    proc = run_cli(str(samples["clean"]), str(missing))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"weightscan: cannot scan {missing}: no such file or directory"
    assert "Traceback" not in proc.stdout + proc.stderr
    assert f"{samples['clean']}: CLEAN" in proc.stdout  # the rest is still scanned


def test_error_wins_over_findings(cli, samples, tmp_path):
    proc = cli("--format", "json", str(samples["malicious"]), str(tmp_path / "gone"))
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    gone = {"path": str(tmp_path / "gone"), "message": "no such file or directory"}
    assert doc["errors"] == [gone]


def test_not_a_regular_file_is_an_error(cli, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    proc = cli(str(fifo))
    assert proc.returncode == 2
    assert "not a regular file" in proc.stderr


def test_bad_allow_entry_is_a_usage_error(cli, samples):
    proc = cli("--allow", "nodots", str(samples["clean"]))
    assert proc.returncode == 2
    assert "MODULE.NAME" in proc.stderr
    assert "Traceback" not in proc.stderr


# -- JSON and SARIF ----------------------------------------------------------------------


def test_json_document_shape_and_hashes(cli, samples):
    proc = cli("--format", "json", str(samples["clean"]), str(samples["malicious"]))
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["verdict"] == "malicious"
    assert set(doc["engine"]) == {"version", "rules_version"}
    assert [f["path"] for f in doc["files"]] == [str(samples["clean"]), str(samples["malicious"])]
    clean, evil = doc["files"]
    assert clean["sha256"] == hashlib.sha256(CLEAN_PICKLE).hexdigest()
    assert clean["size"] == len(CLEAN_PICKLE)
    assert clean["format"] == "pickle"
    assert clean["verdict"] == "clean"
    assert evil["verdict"] == "malicious"
    finding = evil["findings"][0]
    assert {"rule_id", "severity", "message", "location", "evidence"} <= set(finding)
    assert finding["severity"] in ("critical", "high")


def test_no_hash_skips_the_digest(cli, samples):
    doc = json.loads(cli("--format", "json", "--no-hash", str(samples["clean"])).stdout)
    assert doc["files"][0]["sha256"] is None


def test_sarif_output_uses_paths_relative_to_the_working_directory(
    cli, samples, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    proc = cli("--format", "sarif", "evil.pkl")
    assert proc.returncode == 1, proc.stderr
    log = json.loads(proc.stdout)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    assert run["invocations"][0]["executionSuccessful"] is True
    result = run["results"][0]
    assert result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "evil.pkl"
    assert result["partialFingerprints"]


def test_output_file(cli, samples, tmp_path):
    out = tmp_path / "report.sarif"
    proc = cli("--format", "sarif", "-o", str(out), str(samples["malicious"]))
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert json.loads(out.read_text())["runs"][0]["results"]
    proc = cli("-o", str(tmp_path / "no" / "such" / "dir" / "r.txt"), str(samples["clean"]))
    assert proc.returncode == 2
    assert "cannot write" in proc.stderr


# -- directories, content not names ------------------------------------------------------


def test_directories_are_recursed_and_every_file_is_scanned_by_content(cli, tmp_path):
    write(tmp_path / "repo" / "b" / "weights.cfg", MALICIOUS_PICKLE)  # CVE-2025-1889 class
    write(tmp_path / "repo" / "a.pkl", CLEAN_PICKLE)
    write(tmp_path / "repo" / "b" / "deeper" / "notes.txt", b"just text\n")
    (tmp_path / "repo" / "link.pkl").symlink_to(tmp_path / "repo" / "a.pkl")
    proc = cli("--format", "json", str(tmp_path / "repo"))
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    paths = [Path(f["path"]).relative_to(tmp_path / "repo").as_posix() for f in doc["files"]]
    assert paths == ["a.pkl", "b/weights.cfg", "b/deeper/notes.txt"] or paths == [
        "a.pkl",
        "b/deeper/notes.txt",
        "b/weights.cfg",
    ]
    verdicts = {Path(f["path"]).name: f["verdict"] for f in doc["files"]}
    assert verdicts["weights.cfg"] == "malicious"
    assert verdicts["a.pkl"] == "clean"


def test_a_file_named_twice_is_scanned_once(cli, samples, tmp_path):
    proc = cli("--format", "json", str(samples["clean"]), str(tmp_path), str(samples["clean"]))
    paths = [f["path"] for f in json.loads(proc.stdout)["files"]]
    assert paths.count(str(samples["clean"])) == 1
    assert len(paths) == len(samples)


def test_quiet_lists_only_flagged_files(cli, samples):
    proc = cli("-q", str(samples["clean"]), str(samples["malicious"]))
    assert str(samples["malicious"]) in proc.stdout
    assert f"{samples['clean']}:" not in proc.stdout
    assert "Scanned 2 files" in proc.stdout


def test_safetensors_is_clean(cli, samples):
    proc = cli(str(samples["safetensors"]))
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- in process ----------------------------------------------------------------------------


def test_in_process_main(samples, capsys):
    assert main(["scan", "--format", "json", str(samples["clean"])]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "clean"
    assert main(["scan", str(samples["malicious"])]) == 1
    assert main(["scan", str(samples["clean"]) + ".missing"]) == 2


def test_a_scanner_crash_becomes_verdict_error(samples, capsys, monkeypatch):
    import weightscan.cli.scan as scan_cli

    def explode(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(scan_cli, "scan_file", explode)
    assert main(["scan", "--format", "json", str(samples["clean"])]) == 2
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["verdict"] == "error"
    assert doc["files"][0]["findings"][0]["rule_id"] == "scanner.internal-error"
    assert doc["files"][0]["sha256"] == hashlib.sha256(CLEAN_PICKLE).hexdigest()
    assert "simulated bug" in captured.err
    assert "Traceback" not in captured.err


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["scan"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["scan", "--format", "xml", "x"])
    assert exc.value.code == 2


def test_scan_command_imports_no_framework(samples):
    code = (
        "import sys\n"
        "from weightscan.cli import main\n"
        f"rc = main(['scan', '--format', 'json', {str(samples['clean'])!r}])\n"
        "bad = [m for m in ('flask', 'celery', 'sqlalchemy', 'kombu', 'redis', 'requests',"
        " 'weightscan.core', 'weightscan.web', 'weightscan.worker', 'torch') if m in sys.modules]\n"
        "print('BAD=' + ','.join(bad), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert "BAD=\n" in proc.stderr
