"""Jinja templates in files other than GGUF and tokenizer_config.json.

A loader decides how much a template can do: transformers renders ``chat_template.jinja``
(and ``additional_chat_templates/*.jinja``) from a repository, vLLM and others render a
``.jinja`` file they are pointed to, and trainers render the chat template set in their
YAML config (axolotl ``chat_template_jinja``, text-generation-webui
``instruction_template``). Those get the full analysis. A ``.template`` file or another
YAML value that holds a template is rendered by no loader we know: an injection there is
suspicious, not malicious.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from weightscan.scanner import Verdict, scan_path

TEMPLATES = Path(__file__).resolve().parents[2] / "fixtures" / "chat_templates"
BENIGN = sorted((TEMPLATES / "benign").glob("*.jinja"))
SSTI = "{{ cycler.__init__.__globals__.os.popen('touch /tmp/weightscan-test').read() }}"


def _scan(path: Path):
    return scan_path(path).files[0]


def _rules(path: Path) -> set[str]:
    return {f.rule_id for f in _scan(path).findings}


@pytest.mark.parametrize(
    "name", ["chat_template.jinja", "additional_chat_templates/tool_use.jinja", "x.j2"]
)
def test_jinja_files_a_loader_renders_get_the_full_analysis(tmp_path, name):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{% for m in messages %}{{ m.content }}{% endfor %}" + SSTI)
    assert _scan(path).verdict is Verdict.MALICIOUS


@pytest.mark.parametrize("key", ["chat_template", "chat_template_jinja", "instruction_template"])
def test_a_chat_template_in_a_yaml_config_gets_the_full_analysis(tmp_path, key):
    path = tmp_path / "config.yml"
    path.write_text(f"base_model: llama\n{key}: |\n  {SSTI}\nlr: 0.001\n")
    assert _scan(path).verdict is Verdict.MALICIOUS, _scan(path).findings


def test_a_template_in_another_yaml_value_is_suspicious(tmp_path):
    path = tmp_path / "deploy.yaml"
    path.write_text(f'deploy_script: "{SSTI}"\nname: x\n')
    report = _scan(path)
    assert "templates.unrendered-payload" in _rules(path), report.findings
    assert report.verdict is Verdict.SUSPICIOUS


@pytest.mark.parametrize("suffix", [".template", ".tmpl", ".tpl"])
def test_an_injection_in_a_template_file_no_loader_renders_is_suspicious(tmp_path, suffix):
    path = tmp_path / f"prompt{suffix}"
    path.write_text("{% for m in messages %}{{ m.content }}{% endfor %}\n" + SSTI)
    report = _scan(path)
    assert "templates.unrendered-payload" in _rules(path), report.findings
    assert report.verdict is Verdict.SUSPICIOUS


@pytest.mark.parametrize("template", BENIGN[:6], ids=lambda p: p.stem)
def test_real_templates_stay_clean_in_every_file_kind(tmp_path, template):
    text = template.read_text()
    as_template = tmp_path / "prompt.template"
    as_template.write_text(text)
    as_yaml = tmp_path / "config.yaml"
    as_yaml.write_text("chat_template: " + json.dumps(text) + "\nother: " + json.dumps(text))
    assert _scan(as_template).verdict is Verdict.CLEAN
    assert _scan(as_yaml).verdict is Verdict.CLEAN, _scan(as_yaml).findings


@pytest.mark.parametrize(
    "text",
    [
        "{{ .Prompt }}{{ if .System }}{{ .System }}{{ end }}",  # Go template (Ollama)
        "name: {{ name }}\nitems: {% for i in items %}{{ i }}{% endfor %}",
        "plain text with no template at all",
    ],
    ids=["go-template", "simple-jinja", "plain"],
)
def test_ordinary_template_files_stay_clean(tmp_path, text):
    path = tmp_path / "model.template"
    path.write_text(text)
    assert _scan(path).verdict is Verdict.CLEAN, _scan(path).findings


def test_broken_yaml_is_left_to_the_yaml_config_check(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("chat_template: [unclosed {{ x }}\n  - : :\n")
    assert not {r for r in _rules(broken) if r.startswith("templates.")}
