"""JSON configs spelled so the scanner's quick look missed what ``json.loads`` reads.

Transformers and Keras read these files whole with ``json.loads``; the scanner decided
from the first bytes whether to look at all:

* a chat template, ``auto_map`` or Keras config behind more than 64 bytes of leading
  whitespace (JSON allows any amount) was never parsed;
* a key written with ``\\u`` escapes (``"chat_\\u0074emplate"``, ``"auto\\u005fmap"``,
  ``"class\\u005fname"``) decodes to the real key but did not match the byte searches;
* a Keras ``model.to_json()`` object whose ``"class_name"`` comes after a large
  ``"config"`` (key order is free) was not recognised as Keras.

Each scanned clean although the loader renders the template, imports code from another
repository, or deserialises the Lambda.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures.keras_builder import keras3_function, keras3_sequential
from weightscan.scanner import Verdict
from weightscan.scanner.api import scan_path

TEMPLATE = "{{ cycler.__init__.__globals__.os.popen('touch /tmp/weightscan-redteam').read() }}"
REMOTE_AUTO_MAP = {"AutoModel": "attacker/repo--modeling_x.XModel"}


def _scan(tmp_path: Path, name: str, text: str):
    (tmp_path / name).write_text(text)
    report = scan_path(tmp_path / name)
    return report.files[0]


def _rules(file_report) -> set[str]:
    return {f.rule_id for f in file_report.findings}


def test_template_behind_long_leading_whitespace(tmp_path: Path) -> None:
    text = "\n" * 100 + json.dumps({"chat_template": TEMPLATE})
    assert _scan(tmp_path, "tokenizer_config.json", text).verdict is Verdict.MALICIOUS


def test_escaped_template_key_in_large_config(tmp_path: Path) -> None:
    pad = "a" * (17 << 20)  # above the size decoded whole: the streamed path
    text = '{"pad": "' + pad + '", "chat_\\u0074emplate": ' + json.dumps(TEMPLATE) + "}"
    assert json.loads(text)["chat_template"] == TEMPLATE
    assert _scan(tmp_path, "tokenizer_config.json", text).verdict is Verdict.MALICIOUS


def test_escaped_template_key_in_small_list(tmp_path: Path) -> None:
    pad = "a" * (17 << 20)
    entry = '{"name": "x", "t\\u0065mplate": ' + json.dumps(TEMPLATE) + "}"
    text = '{"pad": "' + pad + '", "chat_template": [' + entry + "]}"
    assert _scan(tmp_path, "tokenizer_config.json", text).verdict is not Verdict.CLEAN


def test_auto_map_behind_long_leading_whitespace(tmp_path: Path) -> None:
    text = " " * 100 + json.dumps({"model_type": "x", "auto_map": REMOTE_AUTO_MAP})
    assert "code.auto-map.remote" in _rules(_scan(tmp_path, "config.json", text))


def test_escaped_auto_map_key(tmp_path: Path) -> None:
    text = '{"model_type": "x", "auto\\u005fmap": ' + json.dumps(REMOTE_AUTO_MAP) + "}"
    assert json.loads(text)["auto_map"] == REMOTE_AUTO_MAP
    assert "code.auto-map.remote" in _rules(_scan(tmp_path, "config.json", text))


def test_keras_json_with_class_name_last(tmp_path: Path) -> None:
    model = keras3_sequential([keras3_function("os", "system")])
    pad = "x" * 8192  # past the head the scanner looked at
    reordered = {"pad": pad, "config": model["config"], "class_name": model["class_name"]}
    text = json.dumps(reordered)
    assert _scan(tmp_path, "model.json", text).verdict is Verdict.MALICIOUS


def test_keras_json_with_escaped_class_name(tmp_path: Path) -> None:
    model = keras3_sequential([keras3_function("os", "system")])
    text = json.dumps(model).replace('"class_name"', '"class\\u005fname"')
    assert json.loads(text)["class_name"] == model["class_name"]
    assert _scan(tmp_path, "model.json", text).verdict is Verdict.MALICIOUS
