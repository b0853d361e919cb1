"""tokenizer_config.json forms of ``chat_template`` that were not read.

transformers keeps a ``chat_template`` given as a dict ({name: template}) and renders
``chat_template["default"]`` (or the one the caller names); the scanner read only the
string and list forms, so a dict hid the template. A UTF-8 BOM before the JSON hid it
from the ``{`` check, while ``json.loads`` of the bytes skips the BOM.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from weightscan.scanner import Verdict, scan_path

ESCAPE = "{{ cycler.__init__.__globals__.os.popen('touch /tmp/weightscan-redteam-t').read() }}"
BENIGN = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _write(tmp_path: Path, raw: bytes) -> Path:
    path = tmp_path / "tokenizer_config.json"
    path.write_bytes(raw)
    return path


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps({"chat_template": {"default": BENIGN, "tool_use": ESCAPE}}).encode(),
        b"\xef\xbb\xbf" + json.dumps({"chat_template": ESCAPE}).encode(),
    ],
    ids=["dict-form", "utf8-bom"],
)
def test_hidden_template_is_malicious(tmp_path: Path, raw: bytes) -> None:
    report = scan_path(_write(tmp_path, raw))
    assert report.verdict is Verdict.MALICIOUS, report.files[0].findings


def test_benign_dict_form_is_clean(tmp_path: Path) -> None:
    raw = json.dumps({"chat_template": {"default": BENIGN, "rag": BENIGN}}).encode()
    report = scan_path(_write(tmp_path, raw))
    assert report.verdict is Verdict.CLEAN, report.files[0].findings
