"""Render-time denial of service: a template that makes the renderer spend unbounded time
or memory is at least suspicious; ordinary repetition and recursion over data are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from weightscan.scanner.context import ScanContext
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.templates import analyze_template

BENIGN_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "chat_templates" / "benign"


def _rules(text: str) -> set[str]:
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze_template(text, ctx, name="tokenizer.chat_template")
    return {f.rule_id for f in ctx.findings}


@pytest.mark.parametrize(
    "template",
    [
        "{{ 'A' * 1000000000 }}",
        "{{ 1000000000 * 'A' }}",
        "{% set n = 10 ** 9 %}{{ 'x' * n }}",
        "{{ ['x'] * (10 ** 8) }}",
        "{% for i in range(10**9) %}{{ i }}{% endfor %}",
        "{% for i in range(100000) %}{% for j in range(100000) %}.{% endfor %}{% endfor %}",
        "{% set big = range(5000) %}{% for a in big %}{% for b in big %}{% for c in big %}"
        "{% endfor %}{% endfor %}{% endfor %}",
        "{{ 9 ** (9 ** 9) }}",
        "{{ 10 ** 1000000 }}",
        "{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}",
        "{% macro f(n) %}{{ g(n + 1) }}{% endmacro %}{% macro g(n) %}{{ f(n * 2) }}{% endmacro %}"
        "{{ f(0) }}",
        "{{ 'x'|center(1000000000) }}",
        "{{ 'x'.ljust(10 ** 9) }}",
        "{{ '%0999999999d' % 1 }}",
        "{{ '{:>999999999}'.format('x') }}",
        "{{ ('x' * 999999) * 999999 }}",
        "{% set a = 'x' * 99999 %}{% set b = a * 99999 %}{{ b }}",
        "{% set big = [0] * 99999 %}{% for a in big %}{% for b in big %}.{% endfor %}{% endfor %}",
        "{% for a in 'x' * 99999 %}{% for b in range(99999) %}.{% endfor %}{% endfor %}",
    ],
)
def test_render_dos_is_reported(template):
    assert "templates.render-dos" in _rules(template)


@pytest.mark.parametrize(
    "template",
    [
        "{{ '-' * 40 }}{{ '  ' * depth }}",
        "{% for i in range(messages | length) %}{{ messages[i].content }}{% endfor %}",
        "{% for i in range(3) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
        "{{ 2 ** 10 }}{{ x ** 2 }}{{ 9 ** 9 ** 9 }}",  # Jinja's ** groups to the left
        "{% macro walk(node) %}{% for c in node.children %}{{ walk(c) }}{% endfor %}{% endmacro %}"
        "{{ walk(tree) }}",
        "{% for m in messages recursive %}{{ loop(m.replies) }}{% endfor %}",
        "{{ 'x'|center(80) }}{{ '%05d' % 3 }}{{ '{:>10}'.format('a') }}",
    ],
)
def test_ordinary_repetition_is_clean(template):
    assert "templates.render-dos" not in _rules(template)


@pytest.mark.parametrize("path", sorted(BENIGN_FIXTURES.glob("*.jinja")), ids=lambda p: p.stem)
def test_real_templates_have_no_render_dos(path):
    assert "templates.render-dos" not in _rules(path.read_text(encoding="utf-8"))
