"""Constructs found in real chat templates (``bench/templates_real.py`` scans ~190 of them)
stay clean; each relaxation made for them has an adversarial twin that does not.

The templates here are written for the tests: small, mimicking the constructs only.
"""

from __future__ import annotations

import pytest

from weightscan.scanner.context import ScanContext
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.templates import analyze_template


def rules(text: str) -> set[str]:
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze_template(text, ctx, name="tokenizer.chat_template")
    return {f.rule_id for f in ctx.findings}


# A tool schema rendered as TypeScript-like text: two macros recurse into each other
# through the entries of a mapping, and a parameter of another macro shares a loop
# variable's name (the name-based parameter set once read that as "passed on").
SCHEMA_MACROS = """
{%- macro kind(param) -%}{{ param.get('type', 'any') }}{%- endmacro -%}
{%- macro describe(param) -%}{{ param.description | default('') }}{%- endmacro -%}
{%- macro array_of(label, schema, depth) -%}
  {%- set inner = schema.get('items', {}) -%}
  {%- if kind(inner) == 'object' -%}
    {{ label }}: { {{- fields(inner.get('properties', {}), depth + 1) -}} }[]
  {%- elif kind(inner) == 'array' -%}
    {{ array_of(none, inner, depth + 1) }}
  {%- else -%}{{ label }}: {{ kind(inner) }}[]{%- endif -%}
{%- endmacro -%}
{%- macro fields(properties, depth=0) -%}
  {%- for label, param in properties.items() -%}
    {{ '  ' * depth }}// {{ describe(param) }}
    {%- if kind(param) == 'array' -%}{{ array_of(label, param, depth) }}
    {%- elif kind(param) == 'object' -%}{{ fields(param.properties, depth + 1) }}
    {%- else -%}{{ label }}: {{ kind(param) }},{%- endif -%}
  {%- endfor -%}
{%- endmacro -%}
{%- for tool in tools %}{{ fields(tool.parameters.properties) }}{% endfor -%}
"""

WEEKDAY_MAP = (
    "{%- set days = {'Monday': 'Mon.', 'Tuesday': 'Tue.', 'Sunday': 'Sun.'} -%}"
    "{%- set today = days[strftime_now('%A')] | default('') -%}"
    "{%- set stamp = strftime_now('%Y-%m-%d %H:%M') -%}"
    "Today: {{ today }} {{ stamp }}"
)

DECODED_ARGUMENTS = """
{%- for message in messages -%}
  {%- for call in message.tool_calls | default([]) -%}
    {%- set raw = call.function.arguments | trim -%}
    {%- if raw is string and raw.startswith('{') -%}{%- set raw = raw | from_json -%}{%- endif -%}
    {%- set again = call.function.arguments | fromjson if call.function.arguments is string -%}
    {%- for key, value in raw.items() -%}
      <arg name="{{ key }}">{{ value if value is string else value | tojson }}</arg>
    {%- endfor -%}
  {%- endfor -%}
{%- endfor -%}
"""

EVERYDAY = """
{%- set ns = namespace(system='', last_user=-1, tools_seen=false) -%}
{%- if messages[0].role == 'system' -%}{%- set ns.system = messages[0].content | trim -%}
  {%- set rest = messages[1:] -%}{%- else -%}{%- set rest = messages -%}{%- endif -%}
{%- for m in rest | reverse -%}
  {%- if m.role == 'user' and ns.last_user < 0 -%}
    {%- set ns.last_user = loop.revindex0 -%}
  {%- endif -%}
{%- endfor -%}
{%- if tools -%}
  {%- for t in tools -%}{{ t.function | tojson(indent=2) }}{%- endfor -%}
  {%- for name, spec in (tools[0].function.parameters.properties | default({})).items() -%}
    {{ name }}{{ '?' if name not in tools[0].function.parameters.get('required', []) }}
  {%- endfor -%}
{%- endif -%}
{%- for m in rest -%}
  {%- if m.role not in ['user', 'assistant', 'tool'] -%}
    {{ raise_exception('unexpected role ' ~ m.role) }}
  {%- endif -%}
  {%- set text = m.content if m.content is string else m.content | map(attribute='text') | join -%}
  {%- if '</think>' in text -%}
    {%- set text = text.split('</think>')[-1].lstrip('\\n') -%}
  {%- endif -%}
  {%- if m.role == 'assistant' -%}{% generation %}{{ text.strip() }}{% endgeneration %}
  {%- else -%}<|{{ m.role }}|>{{ text[:2000] }}{%- endif -%}
  {%- for k, v in (m.metadata or {}).items() -%}{{ k | upper }}={{ v }}{%- endfor -%}
{%- endfor -%}
{%- if add_generation_prompt -%}<|assistant|>{%- endif -%}
"""


@pytest.mark.parametrize(
    "template",
    [SCHEMA_MACROS, WEEKDAY_MAP, DECODED_ARGUMENTS, EVERYDAY],
    ids=["schema-macros", "weekday-map", "decoded-arguments", "everyday"],
)
def test_real_constructs_are_clean(template):
    assert rules(template) == set()


@pytest.mark.parametrize(
    ("template", "rule"),
    [
        # recursion through a loop over something that is not the macro's own parameter
        (
            "{% macro g(v) %}{% endmacro %}{% macro f(p) %}{% for k, v in tools.items() %}"
            "{{ f(v) }}{{ f(v) }}{% endfor %}{% endmacro %}{{ f(messages) }}",
            "templates.render-dos",
        ),
        # a string iterated yields strings: no step down
        (
            "{% macro g(v) %}{% endmacro %}{% macro f(p) %}{% for v in p %}{{ f(v) }}{{ f(v) }}"
            "{% endfor %}{% endmacro %}{{ f(messages) }}",
            "templates.render-dos",
        ),
        # entries of a literal that wraps the parameter: the same value again
        (
            "{% macro g(v) %}{% endmacro %}{% macro f(p) %}{% for k, v in {'a': p}.items() %}"
            "{{ f(v) }}{% endfor %}{% endmacro %}{{ f(messages) }}",
            "templates.render-dos",
        ),
        # the loop walks, but the parameter itself is passed on
        (
            "{% macro g(v) %}{% endmacro %}{% macro f(p) %}{% for k, v in p.items() %}"
            "{{ f(p) }}{% endfor %}{% endmacro %}{{ f(messages) }}",
            "templates.render-dos",
        ),
    ],
)
def test_recursion_twins_stay_reported(template, rule):
    assert rule in rules(template)


@pytest.mark.parametrize(
    ("template", "rule"),
    [
        # a date format that spells a name: underscores or letters are the template's pick
        ("{% set m = {} %}{{ m[strftime_now('__class__')] }}", "templates.dunder-string"),
        ("{% set m = {} %}{{ m[strftime_now('%A_')] }}", "templates.dynamic-attribute"),
        ("{{ ''[strftime_now('format')] }}", "templates.dynamic-attribute"),
        ("{% set m = {} %}{{ m[strftime_now('%A') ~ '_x'] }}", "templates.dynamic-attribute"),
        ("{% set m = {} %}{{ m[strftime_now('%Z')] }}", "templates.dynamic-attribute"),
        ("{% set f = '%' ~ 'A' %}{{ {}[strftime_now(f, 1)] }}", "templates.dynamic-attribute"),
        # the clock on a template global is still reach into the global
        ("{{ cycler[strftime_now('%A')] }}", "templates.global-object"),
        # the clock is no data to walk: recursing on it never ends
        (
            "{% macro f(n) %}{{ f(strftime_now('%A')) }}{{ f(strftime_now('%A')) }}"
            "{% endmacro %}{{ f(1) }}",
            "templates.render-dos",
        ),
    ],
)
def test_date_key_twins_stay_reported(template, rule):
    assert rule in rules(template)


@pytest.mark.parametrize(
    ("template", "rule"),
    [
        ("{{ (call.arguments | from_json).__class__ }}", "templates.dunder-access"),
        ("{{ (x | from_json) | attr('__globals__') }}", "templates.dunder-access"),
        # JSON the template writes itself can carry any name past the string checks
        (
            "{% set d = '{\"k\": \"__glo' ~ 'bals__\"}' | from_json %}{{ x[d.k] }}",
            "templates.unexpected-call",
        ),
        ("{% set a = '{\"k\": 1}' %}{% set d = a | from_json %}", "templates.unexpected-call"),
        ("{{ ('{\"a\": 1}' ~ x) | fromjson }}", "templates.unexpected-call"),
        ("{{ (x | fromjson).__init__ }}", "templates.dunder-access"),
        ("{{ x | from_yaml }}", "templates.unexpected-call"),
    ],
)
def test_from_json_twins_stay_reported(template, rule):
    assert rule in rules(template)
