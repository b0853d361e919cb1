"""docs/rules.md is the generated rule catalogue, and the catalogue is well formed."""

from __future__ import annotations

import re
from pathlib import Path

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import catalogue, render_markdown

ROOT = Path(__file__).resolve().parents[2]
RULE_ID = re.compile(r"^[a-z0-9_]+(?:[.-][a-z0-9_]+)*$")


def test_rules_md_is_in_sync_with_the_catalogue():
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert doc == render_markdown(), (
        "docs/rules.md is stale: run `python -m weightscan.scanner.rules > docs/rules.md`"
    )


def test_every_rule_is_documented_properly():
    rules = catalogue()
    assert rules, "empty catalogue"
    for rule_id, rule in rules.items():
        assert rule.id == rule_id
        assert RULE_ID.match(rule_id), rule_id
        assert "." in rule_id, f"{rule_id}: ids are dotted, '<area>.<what>'"
        assert isinstance(rule.severity, Severity)
        assert rule.title.strip(), rule_id
        assert rule.why.strip(), rule_id
        assert "\n" not in rule.title, f"{rule_id}: titles are one line"
        assert all(ref.strip() for ref in rule.references), rule_id


def test_every_rule_appears_in_the_markdown_table():
    doc = render_markdown()
    for rule_id in catalogue():
        assert f"| `{rule_id}` |" in doc
