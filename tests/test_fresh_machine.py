"""The README's test command passes on a fresh machine; CI integration files ship (issue 12).

A fresh machine has ``[dev]`` installed but no PyTorch and no Chromium: the tests that
need them skip there, and FAIL under ``CI=true``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.optional import require

ROOT = Path(__file__).resolve().parents[1]

# The tests that use torch, one per place that does (module level, fixture, in-test).
TORCH_TESTS = (
    "tests/fuzz/test_fuzz_tools.py::test_seeds_keep_the_contract_and_reach_their_parser",
    "tests/scanner/pickle/test_pickle_formats.py",
    "tests/scanner/pickle/test_torchscript.py::test_real_torchscript_files_are_clean",
    "tests/scanner/test_sniff.py::test_real_legacy_torch_file",
    "tests/scanner/containers/test_zip_torch.py",
    "tests/scanner/safetensors/test_safetensors_official.py",
)

_HIDE_TORCH = """\
import sys


class _HideTorch:
    def find_spec(self, name, path=None, target=None):
        if name.split(".", 1)[0] in ("torch", "playwright"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _HideTorch())
"""


def _pytest_without_torch(
    tmp_path: Path, ci: str | None, *targets: str
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "sitecustomize.py").write_text(_HIDE_TORCH)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT)])
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--no-cov",
            "-x",
            "-rs",
            *targets,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )


@pytest.mark.slow
def test_torch_tests_skip_cleanly_without_torch(tmp_path):
    proc = _pytest_without_torch(tmp_path, None, *TORCH_TESTS)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "skipped" in proc.stdout
    assert "torch is not installed" in proc.stdout


@pytest.mark.slow
def test_under_ci_a_missing_torch_fails(tmp_path):
    proc = _pytest_without_torch(
        tmp_path, "true", "tests/scanner/test_sniff.py::test_real_legacy_torch_file"
    )
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "torch is required under CI=true" in proc.stdout


def test_require_skips_outside_ci_and_fails_in_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require("weightscan_no_such_module")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        require("weightscan_no_such_module")
    assert require("json").dumps([]) == "[]"


# -- CI and ecosystem files ------------------------------------------------------------


def test_pre_commit_hook_scans_model_files():
    yaml = require("yaml")
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "weightscan"
    assert hook["entry"].startswith("weightscan scan")
    assert hook["language"] == "python"
    files = re.compile(hook["files"])
    for name in (
        "model.pt",
        "w/pytorch_model.bin",
        "m.safetensors",
        "x.gguf",
        "a.npy",
        "clf.joblib",
        "net.onnx",
        "k.keras",
        "w.h5",
        "repo/tokenizer_config.json",
        "repo/config.json",
        "chat_template.jinja",
        "data.pkl",
    ):
        assert files.search(name), name
    for name in ("README.md", "src/app.py", "package.json", "notes.txt", "myconfig.json"):
        assert not files.search(name), name


def test_readme_documents_exit_codes_sarif_upload_and_the_full_test_run():
    readme = (ROOT / "README.md").read_text()
    assert "github/codeql-action/upload-sarif" in readme
    assert "security-events: write" in readme
    assert "no file analysed at all" in readme
    assert "CI=true python3 -m pytest" in readme
    assert ".pre-commit-hooks.yaml" in readme


def test_gitignore_ignores_a_local_virtualenv():
    assert ".venv/" in (ROOT / ".gitignore").read_text().split()
