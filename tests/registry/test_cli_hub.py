"""``weightscan scan hf://org/name[@rev]`` against the stand-in registry on 127.0.0.1 (issue 12).

No database, no worker: the CLI resolves, lists, streams and scans through the service's
SSRF-guarded registry client, configured by ``WEIGHTSCAN_*`` settings only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.registry.conftest import ALLOWED_HOSTS
from tests.registry.fake_registry import FakeRepo
from tests.registry.samples import MALICIOUS_PICKLE, benign_pickle, safetensors
from weightscan.cli import main

ROOT = Path(__file__).resolve().parents[2]

CONFIG = {"model_type": "x", "auto_map": {"AutoModel": "modeling_x.XModel"}}
MODELING = "import os\n\n\nclass XModel:\n    pass\n\n\nos.system('echo pwned')\n"


@pytest.fixture
def hub_env(registry, monkeypatch) -> dict[str, str]:
    env = {
        "WEIGHTSCAN_HF_ENDPOINT": registry.endpoint,
        "WEIGHTSCAN_HF_TOKEN": registry.token,
        "WEIGHTSCAN_FETCH_ALLOWED_SCHEMES": "http",
        "WEIGHTSCAN_FETCH_ALLOWED_HOSTS": ",".join(ALLOWED_HOSTS),
        "WEIGHTSCAN_FETCH_ALLOW_PRIVATE": ",".join(ALLOWED_HOSTS),
        "WEIGHTSCAN_FETCH_TIMEOUT_SECONDS": "5",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def repo(registry) -> FakeRepo:
    return registry.add_repo(
        FakeRepo(
            "org/model",
            files={
                "pytorch_model.bin": MALICIOUS_PICKLE,
                "model.safetensors": safetensors(1),
                "extra/state.pkl": benign_pickle(1),
                "config.json": json.dumps(CONFIG).encode(),
                "modeling_x.py": MODELING.encode(),
                "README.md": b"# a model\n",
                "assets/logo.png": b"\x89PNG\r\n\x1a\n" + bytes(32),
            },
            lfs={"pytorch_model.bin", "model.safetensors"},
            branches={"main": "1" * 40, "v1": "2" * 40},
        )
    )


def scan(capsys, *args: str) -> tuple[int, dict, str]:
    capsys.readouterr()
    code = main(["scan", "--format", "json", *args])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def test_repository_is_scanned_at_its_commit(registry, repo, hub_env, capsys, connections):
    code, doc, err = scan(capsys, "hf://org/model")
    assert code == 1
    assert doc["verdict"] == "malicious"
    base = "hf://org/model@" + "1" * 40 + "/"
    verdicts = {f["path"].removeprefix(base): f["verdict"] for f in doc["files"]}
    assert verdicts == {
        "config.json": "clean",
        "extra/state.pkl": "clean",
        "model.safetensors": "clean",
        "modeling_x.py": "malicious",
        "pytorch_model.bin": "malicious",
    }
    code_file = next(f for f in doc["files"] if f["path"].endswith("modeling_x.py"))
    rules = {x["rule_id"]: x["message"] for x in code_file["findings"]}
    assert "config.json: AutoModel -> modeling_x.XModel" in rules["code.python"]
    assert "code.process" in rules
    skipped = {s["path"].removeprefix(base): s for s in doc["skipped"]}
    assert set(skipped) == {"README.md", "assets/logo.png"}
    assert all(s["covered"] for s in skipped.values())
    assert "1" * 40 in err  # the pinned commit is announced
    fetched = [e.path for e in registry.log if "/resolve/" in e.path]
    assert fetched
    assert all("/resolve/" + "1" * 40 + "/" in p for p in fetched)  # never /resolve/main/
    assert not any("README" in p or "logo" in p for p in fetched)
    assert {host for host, _ in connections} <= set(ALLOWED_HOSTS)


def test_revision_is_honoured(repo, hub_env, capsys):
    code, doc, _ = scan(capsys, "hf://org/model@v1")
    assert all(f["path"].startswith("hf://org/model@" + "2" * 40 + "/") for f in doc["files"])
    assert code == 1


def test_unknown_repository_or_revision_is_an_error(repo, hub_env, capsys):
    for target in ("hf://org/missing", "hf://org/model@nope"):
        code, doc, err = scan(capsys, target)
        assert code == 2
        assert doc["verdict"] == "error"
        assert "404" in doc["errors"][0]["message"]
        assert "no file was analysed" in err


def test_a_file_that_does_not_match_the_listing_is_an_error(registry, hub_env, capsys):
    registry.add_repo(
        FakeRepo(
            "org/tricky",
            files={"w.bin": benign_pickle(2), "ok.pkl": benign_pickle(3)},
            lfs={"w.bin"},
            tricks={"w.bin": "wrong_sha"},
        )
    )
    code, doc, _ = scan(capsys, "hf://org/tricky")
    assert code == 2
    (error,) = doc["errors"]
    assert error["path"].endswith("/w.bin")
    assert "not fetched" in error["message"]
    assert [Path(f["path"]).name for f in doc["files"]] == ["ok.pkl"]


def test_the_guard_refuses_a_registry_off_the_allowlist(
    repo, hub_env, capsys, monkeypatch, connections
):
    monkeypatch.setenv("WEIGHTSCAN_FETCH_ALLOWED_HOSTS", "huggingface.co")
    code, doc, _ = scan(capsys, "hf://org/model")
    assert code == 2
    assert "allowlist" in doc["errors"][0]["message"]
    assert connections == []


def test_bad_target_is_a_usage_error(hub_env, capsys):
    code, doc, _ = scan(capsys, "hf://")
    assert code == 2
    assert "hf://ORG/NAME" in doc["errors"][0]["message"]


def test_command_line_shows_no_framework_imports(repo, hub_env):
    code = (
        "import sys; from weightscan.cli import main; rc = main(['scan', '-q', "
        "'hf://org/model']); bad = [m for m in ('sqlalchemy', 'flask', 'celery', "
        "'requests') if m in sys.modules]; print(bad); sys.exit(rc)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**__import__("os").environ, **hub_env},
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.strip().endswith("[]")


def test_progress_reports_the_plan_and_each_download(repo, hub_env):
    from weightscan.cli import hub

    events: list[tuple] = []
    result = hub.scan_hub(
        "hf://org/model",
        scan=lambda path, size, name: None,
        start_file=lambda name, size: events.append(("start", name, size)),
        progress=lambda stage, done, total: events.append((stage, done, total)),
        finish_file=lambda: events.append(("finish",)),
        on_plan=lambda files, nbytes: events.append(("plan", files, nbytes)),
    )
    assert result.errors == []
    plan = events[0]
    assert plan[:2] == ("plan", 5)
    starts = [e for e in events if e[0] == "start"]
    assert starts[0][1].endswith("/config.json")  # configs first: code is scanned beside them
    assert len(starts) == 5
    assert [e for e in events if e[0] == "finish"] == [("finish",)] * 5
    downloads = [e for e in events if e[0] == "download"]
    assert downloads
    assert all(done <= total for _, done, total in downloads)
    assert plan[2] == sum(size for _, _, size in starts)


def test_sarif_names_the_registry_files_by_their_hf_uri(repo, hub_env, capsys):
    capsys.readouterr()
    code = main(["scan", "--format", "sarif", "hf://org/model"])
    log = json.loads(capsys.readouterr().out)
    assert code == 1
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert "hf://org/model@" + "1" * 40 + "/pytorch_model.bin" in uris
    assert all(u.startswith("hf://org/model@") for u in uris)
