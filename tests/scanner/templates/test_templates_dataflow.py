"""Dataflow through chat templates: values held in variables are resolved before checking.

Every attack below scanned with zero findings before constants and aliases were tracked
through ``set``, block sets, loops, macros and string building. The benign templates use
the same constructs the way real chat templates do (variables as keys into tool schemas,
macros, namespaces, joins) and must stay clean.
"""

from __future__ import annotations

import pytest

from weightscan.scanner.context import ScanContext
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.model import Severity
from weightscan.scanner.templates import analyze_template


def _findings(text: str):
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze_template(text, ctx, name="tokenizer.chat_template")
    return ctx.findings


def _worst(text: str) -> Severity | None:
    return max((f.severity for f in _findings(text)), key=lambda s: s.rank, default=None)


HIGH_OR_WORSE = [
    # a key held in a variable
    "{% set k = '__class__' %}{{ messages[k] }}",
    "{% set a = '__cla' %}{% set b = 'ss__' %}{{ messages[a ~ b] }}",
    "{% set a = '__cla' %}{% set a = a ~ 'ss__' %}{{ messages[a] }}",
    # a dunder captured by a block set
    "{% set x %}__class__{% endset %}{{ messages[x] }}",
    "{% set x -%}\n  __globals__\n{%- endset %}{{ lipsum|attr(x|trim) }}",
    # joins, ~ and formatting of variables
    "{% set p = ['__', 'class', '__'] %}{{ messages[p|join] }}",
    "{% set u = '_' %}{{ messages[u ~ u ~ 'class' ~ u ~ u] }}",
    "{% set u = '_' * 2 %}{{ messages[u + 'init' + u] }}",
    "{% set f = '%sglobals%s' %}{{ lipsum|attr(f|format('__', '__')) }}",
    "{% set u = '__' %}{{ messages['%sclass%s' % (u, u)] }}",
    "{% set u = '__' %}{{ messages['{0}class{0}'.format(u)] }}",
    "{% set r = '__ssalc__' %}{{ messages[r|reverse] }}",
    "{% set r = '__ssalc__' %}{{ messages[r[::-1]] }}",
    "{% set r = 'XX__CLASS__' %}{{ messages[r[2:]|lower] }}",
    "{% set r = '__clazz__' %}{{ messages[r|replace('zz', 'ss')] }}",
    "{% set parts = ['os', '__class__'] %}{{ messages[parts[1]] }}",
    "{% set n = 95 %}{{ messages['%c%cclass%c%c'|format(n, n, n, n)] }}",
    # a call whose callee is a subscript, on a global
    "{{ lipsum[g]['os']['system'](cmd) }}",
    "{{ lipsum['__globals__']['os']['popen']('id') }}",
    "{% set g = '__glo' ~ 'bals__' %}{{ lipsum[g]['os'].popen('id').read() }}",
    # attribute names taken from variables
    "{% set a = '__class__' %}{{ messages|map(attribute=a)|list }}",
    "{% set a = '__class__' %}{{ messages|selectattr(a)|list }}",
    "{% set a = '__class__' %}{{ messages|attr(a) }}",
    "{{ messages|map(attribute=name)|list }}{{ cycler|attr(name) }}",
    # aliases of globals
    "{% set c = cycler %}{{ c.next }}",
    "{% set c = cycler %}{{ c[k] }}",
    "{% set j = joiner %}{% set jj = j %}{{ jj[key] }}",
    "{% set ns = namespace() %}{{ ns[k] }}",
    "{% set ns = namespace(f=lipsum) %}{{ ns.f[k] }}",
    "{% for g in [lipsum, cycler] %}{{ g[k] }}{% endfor %}",
    "{% macro m(o, k) %}{{ o[k] }}{% endmacro %}{{ m(lipsum, key) }}",
    "{% macro m(k) %}{{ messages[k] }}{% endmacro %}{{ m('__cl' ~ 'ass__') }}",
    "{{ loop_value }}{% for x in messages %}{{ loop[k] }}{% endfor %}",
    "{{ range[k] }}{{ self[k] }}{{ raise_exception[k] }}",
    "{% set d = dict %}{{ d[k] }}",
    # namespace accumulation of a dunder
    "{% set ns = namespace(s='') %}{% for c in ['__', 'class', '__'] %}"
    "{% set ns.s = ns.s ~ c %}{% endfor %}{{ messages[ns.s] }}",
    "{% set ns = namespace(s='__cla') %}{% set ns.s = ns.s ~ 'ss__' %}{{ messages[ns.s] }}",
    # dangerous names reached through variables
    "{% set m = 'os' %}{{ cycler.__init__.__globals__[m] }}",
    "{% set s = 'sys' ~ 'tem' %}{{ x|attr(s) }}",
    "{% with k = '__class__' %}{{ messages[k] }}{% endwith %}",
    "{% set a, b = '__class__', 'x' %}{{ messages[a] }}",
    # globals passed through a macro's varargs, caller() arguments, a namespace call
    "{% macro m() %}{{ varargs[0][k] }}{% endmacro %}{{ m(lipsum) }}",
    "{% macro m() %}{{ caller(lipsum) }}{% endmacro %}{% call(x) m() %}{{ x[k] }}{% endcall %}",
    "{% set x = namespace %}{{ x(a=lipsum).a[k] }}",
    "{% set f = lipsum %}{{ f()[k] }}{{ f.__globals__ }}",
    # an unmodelled filter over pieces that spell a dunder
    "{% set k = 'CLASS'|lower|center(9, '_') %}{{ messages[k] }}",
    # a dict literal's value read as an attribute
    "{% set d = {'k': '__cla'} %}{{ messages[d.k ~ 'ss__'] }}",
    "{% set d = {'k': 'X'|center(5, '_')} %}{{ messages[d.k] }}",
    # a bound method held in a variable; attribute filters chained on computed names
    "{% set f = '{}{}class{}{}'.format %}{{ x|attr(f('_', '_', '_', '_')) }}",
    "{{ (x|attr(y))|attr(z) }}",
    # unresolvable template-built keys chained: the classic __class__/__mro__ walk
    "{% set ns = namespace(a='', b='') %}{% for c in messages %}{% set ns.a = ns.a ~ c|string %}"
    "{% set ns.b = ns.b ~ 'x'|upper %}{% endfor %}{{ ''[ns.a|string][ns.b|string] }}",
]


@pytest.mark.parametrize("template", HIGH_OR_WORSE)
def test_attack_is_high_or_critical(template):
    worst = _worst(template)
    assert worst is not None, template
    assert worst.rank >= Severity.HIGH.rank, [(f.rule_id, f.message) for f in _findings(template)]


AT_LEAST_MEDIUM = [
    "{{ messages[0][k ~ suffix] }}",
    "{% set d = {'a': 1} %}{% set k = 'a'|center(3) %}{{ d[k] }}",
    "{% set s = 'abc' %}{{ s['x'|indent(2)] }}",
    "{{ x[k](1) }}",
    "{% set ns = namespace(s='') %}{% for c in ['a', 'b'] %}{% set ns.s = ns.s ~ c ~ c %}"
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ message[ns.s] }}",
]


@pytest.mark.parametrize("template", AT_LEAST_MEDIUM)
def test_unresolvable_key_is_not_clean(template):
    assert _worst(template) is not None, template


BENIGN = {
    "llama2_style": (
        "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
        "{% set system_message = messages[0]['content'] %}{% else %}"
        "{% set loop_messages = messages %}{% set system_message = false %}{% endif %}"
        "{% for message in loop_messages %}"
        "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        "{{ raise_exception('Roles must alternate user/assistant') }}{% endif %}"
        "{% if loop.index0 == 0 and system_message != false %}"
        "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n'"
        " + message['content'] %}"
        "{% else %}{% set content = message['content'] %}{% endif %}"
        "{% if message['role'] == 'user' %}"
        "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
        "{% elif message['role'] == 'assistant' %}{{ ' ' + content.strip() + ' ' + eos_token }}"
        "{% endif %}{% endfor %}"
    ),
    "llama3_style": (
        "{% set loop_messages = messages %}{% for message in loop_messages %}"
        "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
        " + message['content'] | trim + '<|eot_id|>' %}"
        "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
        "{{ content }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
        "{% endif %}"
    ),
    "chatml_keys_in_vars": (
        "{% set role_key = 'role' %}{% set content_key = 'content' %}"
        "{% for message in messages %}{{ '<|im_start|>' + message[role_key] + '\\n' }}"
        "{{ message[content_key] + '<|im_end|>\\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    ),
    "gemma_roles": (
        "{{ bos_token }}{% set roles = {'user': 'user', 'assistant': 'model'} %}"
        "{% for message in messages %}{% set role = roles[message['role']] %}"
        "{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}"
    ),
    "phi_alternating": (
        "{% set names = ['user', 'assistant'] %}{% for message in messages %}"
        "{% set expected = names[loop.index0 % 2] %}"
        "{% if message.role != expected %}{{ raise_exception('bad order') }}{% endif %}"
        "{{ '<|' ~ message.role ~ '|>\\n' ~ message.content ~ '<|end|>\\n' }}{% endfor %}"
    ),
    "tool_schema_walk": (
        "{% macro render_params(params) %}{% for name in params.properties %}"
        "{% set field = params.properties[name] %}"
        "{{ name }}: {{ field['type'] }}{% if name in params.required %} (required){% endif %}"
        "{% if field.description is defined %} - {{ field['description'] }}{% endif %}\n"
        "{% endfor %}{% endmacro %}"
        "{% if tools %}{% for tool in tools %}{% set fn = tool.function if tool.function is "
        "defined else tool %}{{ fn.name }}({{ render_params(fn.parameters) }})\n"
        "{% endfor %}{% endif %}"
        "{% for message in messages %}{{ message.role }}: {{ message.content }}\n{% endfor %}"
    ),
    "tool_calls_namespace": (
        "{% set ns = namespace(system='', last_user=0, tool_names=[]) %}"
        "{% for message in messages %}{% if message['role'] == 'system' %}"
        "{% set ns.system = message['content'] %}{% endif %}"
        "{% if message.role == 'user' %}{% set ns.last_user = loop.index0 %}{% endif %}{% endfor %}"
        "{% for tool in tools or [] %}"
        "{% set ns.tool_names = ns.tool_names + [tool.function.name] %}"
        "{% endfor %}{{ ns.system }}{{ ns.tool_names | join(', ') }}"
        "{% for message in messages %}{% if message.tool_calls %}"
        "{% for call in message.tool_calls %}{% set args = call.function.arguments %}"
        "{{ '<tool_call>' ~ {'name': call.function.name, 'arguments': args} | tojson"
        " ~ '</tool_call>' }}"
        "{% endfor %}{% elif loop.index0 > ns.last_user %}{{ message.content }}{% endif %}"
        "{% endfor %}{{ messages[ns.last_user]['content'] }}"
    ),
    "mistral_block_set": (
        "{% set default_system %}You are a helpful assistant. Answer concisely.{% endset %}"
        "{% set system = messages[0]['content'] if messages[0]['role'] == 'system' "
        "else default_system %}"
        "{% for message in messages | rejectattr('role', 'equalto', 'system') %}"
        "{% if message.role == 'user' %}{{ '[INST] ' ~ (system ~ '\\n\\n' if loop.first else '')"
        " ~ message.content ~ ' [/INST]' }}{% else %}{{ message.content ~ eos_token }}{% endif %}"
        "{% endfor %}"
    ),
    "date_and_format": (
        "{% set date_string = strftime_now('%d %b %Y') %}"
        "{{ 'Today is {}.'.format(date_string) }}{{ 'Cutoff: %s' % 'Dec 2023' }}"
        "{% set header = ['<|system|>', date_string] | join('\\n') %}{{ header }}"
        "{% for m in messages %}{{ '<|%s|>\\n%s' | format(m.role, m.content) }}{% endfor %}"
        "{{ messages | map(attribute='content') | join(' ') | length }}"
        "{{ messages | selectattr('role', 'equalto', 'user') | list | length }}"
    ),
    "granite_documents": (
        "{% set ns = namespace(docs=[]) %}{% for doc in documents or [] %}"
        "{% set keys = doc.keys() | list %}{% for key in keys %}"
        "{% set ns.docs = ns.docs + [key ~ ': ' ~ doc[key]] %}{% endfor %}{% endfor %}"
        "{{ ns.docs | join('\\n') }}{% set sep = joiner(', ') %}"
        "{% for m in messages %}{{ sep() }}{{ m['role'] | upper }}{% endfor %}"
        "{% for i in range(messages | length) %}{{ messages[i]['content'][:50] }}"
        "{{ messages[-1 - i].role }}{% endfor %}"
    ),
    "schema_macro_with_constant_fallback": (
        "{%- macro py_type(name, spec) %}{%- set basic = {'string': 'str', 'integer': 'int'} %}"
        "{%- if basic[spec.type] is defined %}{{- basic[spec.type] }}"
        "{%- elif spec.type == 'array' %}{{- 'List[' + py_type(name, spec['items']) + ']' }}"
        "{%- elif spec.type == 'object' %}{{- 'Dict[str, ' + py_type(name, "
        "spec.additionalProperties if spec.additionalProperties else 'Any') + ']' }}"
        "{%- else %}{{- 'Any' }}{%- endif %}{%- endmacro %}"
        "{%- for tool in tools %}{%- for pname, pspec in tool.parameters.properties | items %}"
        "{{ pname }}: {{ py_type(pname, pspec) }}\n{%- endfor %}{%- endfor %}"
    ),
    "prose_with_dunders": (
        "You are a Python tutor. Explain __init__ and os.system when asked.\n"
        "{% for m in messages %}{{ m.content }}{% endfor %}"
    ),
    "deepseek_style_split": (
        "{% for message in messages %}{% set content = message['content'] %}"
        "{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}"
        "{% set parts = content.split('\\n') %}{{ parts[0] }}{{ parts | length }}"
        "{{ '<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>' }}{% endfor %}"
    ),
}


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_benign_template_is_clean(name):
    assert [(f.rule_id, f.message) for f in _findings(BENIGN[name])] == []


def test_a_long_chain_of_sets_still_resolves():
    chain = (
        "{% set a0 = '__cla' %}"
        + "".join(f"{{% set a{i} = a{i - 1} %}}" for i in range(1, 2000))
        + "{{ messages[a1999 ~ 'ss__'] }}"
    )
    worst = _worst(chain)
    assert worst is not None
    assert worst.rank >= Severity.HIGH.rank


def test_template_built_key_at_the_end_of_a_long_chain_is_not_clean():
    chain = "".join(f"{{% set a{i} = a{i - 1} ~ 'x' %}}" for i in range(1, 2000))
    assert _worst(chain + "{{ messages[a1999] }}") is not None
