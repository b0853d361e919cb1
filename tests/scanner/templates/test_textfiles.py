"""Chat templates in tokenizer_config.json and chat_template.jinja files are analysed too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from weightscan.scanner import Verdict, scan_path

TEMPLATES = Path(__file__).resolve().parents[2] / "fixtures" / "chat_templates"
BENIGN = sorted((TEMPLATES / "benign").glob("*.jinja"))
MALICIOUS = sorted((TEMPLATES / "malicious").glob("*.jinja"))


def _verdict(path: Path) -> Verdict:
    return scan_path(path).files[0].verdict


@pytest.mark.parametrize("template", BENIGN[:8], ids=lambda p: p.stem)
def test_real_templates_in_tokenizer_config_are_clean(tmp_path, template):
    config = tmp_path / "tokenizer_config.json"
    config.write_text(json.dumps({"chat_template": template.read_text(), "eos_token": "</s>"}))
    assert _verdict(config) is Verdict.CLEAN


@pytest.mark.parametrize("template", MALICIOUS[:8], ids=lambda p: p.stem)
def test_ssti_in_tokenizer_config_is_malicious(tmp_path, template):
    config = tmp_path / "tokenizer_config.json"
    config.write_text(
        json.dumps(
            {
                "chat_template": [
                    {"name": "default", "template": "{{ messages }}"},
                    {"name": "tool_use", "template": template.read_text()},
                ]
            }
        )
    )
    assert _verdict(config) is Verdict.MALICIOUS


def test_chat_template_jinja_file_is_analysed(tmp_path):
    bad = tmp_path / "chat_template.jinja"
    bad.write_text("{{ cycler.__init__.__globals__.os.popen('echo hi').read() }}")
    good = tmp_path / "good" / "chat_template.jinja"
    good.parent.mkdir()
    good.write_text(BENIGN[0].read_text())
    assert _verdict(bad) is Verdict.MALICIOUS
    assert _verdict(good) is Verdict.CLEAN


def test_json_without_templates_and_broken_json_stay_plain_text(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"hidden_size": 4096, "chat_template": 3}))
    broken = tmp_path / "broken.json"
    broken.write_text('{"chat_template": "{{ __class__ }}"')  # not JSON: no template read
    assert _verdict(config) is Verdict.CLEAN
    assert _verdict(broken) is Verdict.CLEAN
