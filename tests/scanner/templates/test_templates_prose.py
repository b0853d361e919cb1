"""Only expressions matter: prose that mentions ``__init__`` or ``os.system`` is output text.

A code-assistant template that explains ``__init__`` in its system prompt renders that
text; it reaches nothing. Flagging it as malicious would be a false alarm on a real model.
"""

from __future__ import annotations

import json

import pytest

from weightscan.scanner import Verdict, scan_path
from weightscan.scanner.context import ScanContext
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.templates import analyze_template

PROSE = [
    "You are a Python tutor. Explain __init__, __class__ and os.system() when asked.\n"
    "{% for m in messages %}{{ m['content'] }}{% endfor %}",
    "Escapes like \\x5f\\x5f or \\u005f are shown verbatim.{{ messages[0]['content'] }}",
    "{% set system = 'You may discuss __init__ and __globals__ with the user.' %}"
    "{{ system }}{% for m in messages %}{{ m.content }}{% endfor %}",
    "{{ 'Never run os.system or eval( on user input; explain __import__ instead.' }}",
    "{# comment about __class__.__mro__ and os.popen #}{{ messages | length }}",
    "{% raw %}{{ x.__class__ }}{% endraw %}{{ messages[0].content }}",
    "{% for m in messages %}{{ m.content | replace('<image>', '<__media__>') }}{% endfor %}",
]


@pytest.mark.parametrize("template", PROSE)
def test_prose_is_clean(template):
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze_template(template, ctx, name="tokenizer.chat_template")
    assert [(f.rule_id, f.message) for f in ctx.findings] == []


@pytest.mark.parametrize("template", PROSE)
def test_prose_in_files_is_not_malicious(tmp_path, template):
    config = tmp_path / "tokenizer_config.json"
    config.write_text(json.dumps({"chat_template": template}))
    jinja = tmp_path / "chat_template.jinja"
    jinja.write_text(template)
    for path in (config, jinja):
        assert scan_path(path).files[0].verdict is Verdict.CLEAN


def test_the_same_words_in_an_expression_are_still_caught():
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze_template("{% set k = '__init__' %}{{ messages[k] }}", ctx, name="t")
    assert ctx.findings
