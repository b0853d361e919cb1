"""Repository code that runs a process under a spelling the call resolver did not follow.

Each source below starts a process (or runs code) when ``trust_remote_code=True`` imports
it; before the fix each scanned only ``suspicious`` (``code.python``), like any harmless
modeling file. Nothing here is imported or run: the sources are written as text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from weightscan.scanner import Verdict, scan_path

CMD = "'touch /tmp/weightscan-redteam-pycode'"

ATTACKS = {
    "alias": f"import os\nrun = os.system\nrun({CMD})\n",
    "star-import": f"from os import *\nsystem({CMD})\n",
    "getattr-concat": f"import os\ngetattr(os, 'sys' + 'tem')({CMD})\n",
    "sys-modules": f"import sys\nsys.modules['os'].system({CMD})\n",
    "import-concat": f"__import__('o' + 's').system({CMD})\n",
    "import-fstring": f"import importlib\nimportlib.import_module(f'sub{{\"process\"}}')"
    f".call({CMD}, shell=True)\n",
    "import-computed": "import base64\n__import__(base64.b64decode('b3M=').decode())"
    f".system({CMD})\n",
    "getattr-computed": f"import os, codecs\ngetattr(os, codecs.decode('flfgrz', 'rot13'))"
    f"({CMD})\n",
    "module-dict": f"import os\nos.__dict__['system']({CMD})\n",
    "vars-builtins": "import builtins\n"
    "vars(builtins)['exec'](bytes.fromhex('7072696e74').decode())\n",
    "class-attribute": f"import os\nclass Hook:\n    run = os.system\nHook.run({CMD})\n",
    "decorator": "import os\n@os.system\ndef touch_tmp_weightscan_redteam(): pass\n",
    "walrus": f"import os\n(s := os.system)({CMD})\n",
    "dispatch-dict": f"import os\nTABLE = {{'r': os.system}}\nTABLE['r']({CMD})\n",
    "exec-literal": f'exec("import os; os.system({CMD})")\n',
    "builtins-literal": "import builtins\nbuiltins.__dict__['exec']"
    f'("import os; os.system({CMD})")\n',
    "ctypes": f"import ctypes\nctypes.CDLL(None).system(b{CMD})\n",
    "runpy": "import runpy\nrunpy.run_path('/tmp/weightscan-redteam-payload.py')\n",
}

BENIGN = """\
import importlib
import subprocess
import types

import torch
from torch import nn


def _optional(name):
    return importlib.import_module(name)


class Model(nn.Module):
    def __init__(self, config, eval=False):
        super().__init__()
        self.act = getattr(nn.functional, config.hidden_act)
        self.size = getattr(config, "hidden" + "_size")
        self.eval_mode = eval
        self.pattern = __import__("re").compile(r"\\\\d+")

    def run_tool(self):
        try:
            return None
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            return subprocess.PIPE

    def forward(self, x):
        if isinstance(self.act, types.FunctionType) and self.eval_mode:
            self.eval()
        return self.act(x)
"""


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_process_spelling_is_malicious(tmp_path: Path, name: str) -> None:
    path = tmp_path / "modeling_custom.py"
    path.write_text(ATTACKS[name])
    report = scan_path(path)
    rules = {f.rule_id for f in report.files[0].findings}
    assert report.verdict is Verdict.MALICIOUS, (name, rules)
    assert rules & {"code.process", "code.dynamic-exec"}


def test_ordinary_modeling_code_is_not_malicious(tmp_path: Path) -> None:
    path = tmp_path / "modeling_custom.py"
    path.write_text(BENIGN)
    report = scan_path(path)
    assert report.verdict is Verdict.SUSPICIOUS
    assert {f.rule_id for f in report.files[0].findings} == {"code.python"}


@pytest.mark.parametrize("head", ["GGUF = 3\n", "GIF89a = None\n", "PNG = 1\n"])
def test_source_starting_with_an_ascii_magic_is_still_code(tmp_path: Path, head: str) -> None:
    """``GGUF = 3`` is valid Python and GGUF's magic: the import runs it, so it is code."""
    path = tmp_path / "modeling_custom.py"
    path.write_text(head + f"import os\nos.system({CMD})\n")
    report = scan_path(path)
    assert report.verdict is Verdict.MALICIOUS, report.files[0].findings
