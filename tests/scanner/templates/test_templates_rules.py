"""One test per chat-template rule, plus robustness (hypothesis) and positions."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weightscan.scanner.context import ScanContext
from weightscan.scanner.limits import DEFAULT_LIMITS, ScanLimits
from weightscan.scanner.model import Severity
from weightscan.scanner.templates import analyze_template


def findings(text: str | bytes, limits: ScanLimits = DEFAULT_LIMITS, **kw):
    ctx = ScanContext.for_file(limits)
    analyze_template(text, ctx, name=kw.pop("name", "tokenizer.chat_template"), **kw)
    return ctx.findings


def ids(text: str | bytes, limits: ScanLimits = DEFAULT_LIMITS, **kw) -> set[str]:
    return {f.rule_id for f in findings(text, limits, **kw)}


@pytest.mark.parametrize(
    ("template", "rule"),
    [
        ("{{ x.__class__ }}", "templates.dunder-access"),
        ("{{ x['__globals__'] }}", "templates.dunder-access"),
        ("{{ x|attr('__dict__') }}", "templates.dunder-access"),
        ("{{ x|selectattr('__class__.__name__', 'equalto', 1)|list }}", "templates.dunder-access"),
        ("{{ x._private }}", "templates.private-access"),
        ("{% set ns = namespace() %}{% set ns._x = 1 %}", "templates.private-access"),
        ("{{ x.gi_frame }}", "templates.private-access"),
        ("{{ x.mro() }}", "templates.private-access"),
        ("{{ '__class__' }}", "templates.dunder-string"),
        ("{% set a = '__' ~ 'init' ~ '__' %}", "templates.dunder-string"),
        ("{{ 'a\\x5fb' }}", "templates.dunder-string"),
        ("{% set y = '_' * 2 ~ 'class' ~ '_' * 2 %}{{ x[y] }}", "templates.dunder-string"),
        ("{{ x|attr('%c%cclass%c%c'|format(95, 95, 95, 95)) }}", "templates.dunder-access"),
        ("{{ x|attr(dict(__class__=1)|list|first) }}", "templates.dunder-string"),
        ("{{ cycler.next }}", "templates.global-object"),
        ("{{ self.foo }}", "templates.global-object"),
        ("{{ range['x'] }}", "templates.global-object"),
        ("{{ m[k ~ suffix] }}", "templates.dynamic-attribute"),
        ("{{ m|attr(name) }}", "templates.dynamic-attribute"),
        ("{{ m['role' ~ '_x'] }}", "templates.dynamic-attribute"),
        ("{{ open('/etc/passwd') }}", "templates.unexpected-call"),
        ("{{ x.read() }}", "templates.unexpected-call"),
        ("{{ x|shell }}", "templates.unexpected-call"),
        ("{% if x is evil %}{% endif %}", "templates.unexpected-call"),
        ("{{ (x)()() }}", "templates.unexpected-call"),
        ("{% include 'other.j2' %}", "templates.unexpected-construct"),
        ("{% extends 'base.j2' %}", "templates.unexpected-construct"),
        ("{% import 'm.j2' as m %}", "templates.unexpected-construct"),
        ("{% block b %}{% endblock %}", "templates.unexpected-construct"),
        ("{% for %}", "templates.unparseable"),
        ("{{ x", "templates.unparseable"),
        (b"{{ \xff }}", "templates.unparseable"),
    ],
)
def test_rule(template, rule):
    assert rule in ids(template)


def test_severities():
    worst = {f.rule_id: f.severity for f in findings("{{ cycler.__init__.__globals__ }}")}
    assert worst["templates.dunder-access"] is Severity.CRITICAL
    assert worst["templates.global-object"] is Severity.HIGH
    assert {f.severity for f in findings("{{ foo() }}")} == {Severity.MEDIUM}
    assert {f.severity for f in findings("{% if %}")} == {Severity.MEDIUM}


def test_oversized_template_is_not_parsed():
    limits = DEFAULT_LIMITS.replace(max_template_bytes=100)
    assert ids("{{ x }}" * 50, limits) == {"templates.oversized"}
    assert ids(b"{{ x }}", limits, size=10_000) == {"templates.oversized"}


def test_too_many_tokens_is_not_parsed():
    limits = DEFAULT_LIMITS.replace(max_template_nodes=200)
    found = findings("{{ " + " ~ ".join(["a"] * 100) + " }}", limits)
    assert [f.rule_id for f in found] == ["templates.oversized"]
    assert "tokens" in found[0].message


def test_too_many_nodes(monkeypatch):
    from weightscan.scanner.templates import analyzer

    monkeypatch.setattr(analyzer, "_TOKENS_PER_NODE_BUDGET", 1)
    limits = DEFAULT_LIMITS.replace(max_template_nodes=60)
    found = findings("{{ a.b.c.d.e.f.g }}" * 10, limits)
    assert [f.rule_id for f in found] == ["templates.oversized"]
    assert "nodes" in found[0].message


def test_deeply_nested_template_is_reported_not_raised():
    found = ids("{{ " + "(" * 5000 + "x" + ")" * 5000 + " }}")
    assert found <= {"templates.unparseable", "templates.oversized"}
    assert found


def test_finding_points_at_the_line():
    template = "{{ a }}\n{{ b }}\n{{ c.__class__ }}\n"
    (finding,) = [
        f for f in findings(template, offset=500) if f.rule_id == "templates.dunder-access"
    ]
    assert finding.evidence["line"] == 3
    assert finding.evidence["excerpt"] == "{{ c.__class__ }}"
    assert finding.location.offset == 500 + len("{{ a }}\n{{ b }}\n")


def test_locally_bound_names_are_not_globals():
    assert ids("{% set ns = namespace(x=1) %}{% set ns.x = 2 %}{{ ns.x }}") == set()
    assert ids("{% for cycler in items %}{{ cycler.name }}{% endfor %}") == set()
    assert ids("{% macro f(a) %}{{ a.b }}{% endmacro %}{{ f(messages) }}") == set()


def test_common_benign_constructs():
    for template in (
        "{{ messages[0]['content'] | trim }}",
        "{{ x[1:] }}",
        "{{ x[i - 1].role }}",
        "{{ raise_exception('bad') }}",
        "{{ strftime_now('%Y') }}",
        "{{ tools | tojson(indent=4) }}",
        "{{ (x or '').split('a')[-1].strip() }}",
        "{% for k, v in d.items() %}{{ k }}{% endfor %}",
        "{{ '%d' % 3 }}",
        "{{ 'a' ~ b ~ 'c' }}",
        "{{ 'a' + 'b' }}",
        "{{ '{}'.format(x) }}",
    ):
        assert findings(template) == [], template


def test_findings_per_template_are_bounded():
    template = "\n".join(f"{{{{ x{i}.__class__ }}}}" for i in range(500))
    found = findings(template)
    assert len(found) == 51  # 50 in full, then one counting the rest
    assert found[-1].evidence == {"more": 450}


FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PIECES = st.sampled_from(
    [
        "{{",
        "}}",
        "{%",
        "%}",
        "for",
        "in",
        "if",
        "endif",
        "endfor",
        "x",
        ".",
        "__class__",
        "|",
        "attr",
        "(",
        ")",
        "'",
        "[",
        "]",
        "~",
        " ",
        "set",
        "=",
        "macro",
        "endmacro",
        "cycler",
        "\\x5f",
        "#}",
        "{#",
        ",",
    ]
)


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text(text):
    for f in findings(text):
        assert f.rule_id.startswith("templates.")


@FUZZ
@given(st.lists(PIECES, max_size=60))
def test_template_shaped_text(pieces):
    for f in findings("".join(pieces)):
        assert f.rule_id.startswith("templates.")
