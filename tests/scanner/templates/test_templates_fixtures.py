"""Real chat templates of the major model families stay clean; SSTI payloads do not.

Fixtures: tests/fixtures/chat_templates/{benign,malicious}/*.jinja (text, written from the
public templates of each family; payloads run only harmless commands and are never rendered).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from weightscan.scanner.context import ScanContext
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.model import Severity
from weightscan.scanner.templates import analyze_template

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "chat_templates"
BENIGN = sorted((FIXTURES / "benign").glob("*.jinja"))
MALICIOUS = sorted((FIXTURES / "malicious").glob("*.jinja"))


def analyse(text: str, name: str = "tokenizer.chat_template") -> ScanContext:
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze_template(text, ctx, name=name, offset=1000)
    return ctx


def test_fixture_sets_are_substantial():
    assert len(BENIGN) >= 20
    assert len(MALICIOUS) >= 15


@pytest.mark.parametrize("path", BENIGN, ids=lambda p: p.stem)
def test_real_template_is_clean(path):
    ctx = analyse(path.read_text(encoding="utf-8"))
    assert [(f.rule_id, f.message) for f in ctx.findings] == []


@pytest.mark.parametrize("path", MALICIOUS, ids=lambda p: p.stem)
def test_payload_is_high_or_critical(path):
    ctx = analyse(path.read_text(encoding="utf-8"))
    worst = max((f.severity for f in ctx.findings), key=lambda s: s.rank, default=None)
    assert worst is not None
    assert worst.rank >= Severity.HIGH.rank, [(f.rule_id, f.message) for f in ctx.findings]
    for finding in ctx.findings:
        assert finding.evidence["excerpt"]
        assert finding.evidence["template"] == "tokenizer.chat_template"
        assert finding.location.offset is not None
        assert finding.location.offset >= 1000
