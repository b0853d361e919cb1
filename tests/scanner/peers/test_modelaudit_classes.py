"""Classes of attack from ModelAudit's test assets, rebuilt here from opcodes and bytes.

Each test names the class of sample it mirrors; the files are our own, with harmless payloads.
"""

from __future__ import annotations

import json

from tests.fixtures import keras_builder as kb
from tests.fixtures.pickles import ops
from tests.scanner.pickle.helpers import finding, no_internal_error, rules, scan
from weightscan.scanner import Verdict


def test_frame_longer_than_the_file_still_shows_the_import():
    """A FRAME that declares more bytes than follow it. The C unpickler stops there, but the
    pure-Python one (pickle._Unpickler, which joblib.load subclasses) reads the short frame and
    runs on, so the opcodes after it are analysed, not dropped."""
    body = (ops.SHORT_BINUNICODE("nt") + ops.MEMOIZE + ops.SHORT_BINUNICODE("system")
            + ops.MEMOIZE + ops.STACK_GLOBAL + ops.MEMOIZE + ops.STOP)
    data = ops.proto(4) + ops.FRAME(len(body) + 3) + body
    report = scan(data)
    no_internal_error(report)
    assert "pickle.length.exceeds-file" in rules(report)
    finding(report, "pickle.import.malicious", module="nt", name="system")
    assert report.verdict is Verdict.MALICIOUS


def _keras2_h5_with(layer: dict) -> bytes:
    return kb.keras2_h5(kb.keras2_sequential([layer]))


def test_keras2_lambda_with_python_source_calling_eval_is_malicious():
    """A Lambda whose ``function`` is Python source text (no ``function_type``): no loader
    form we know, and the text calls eval, so the intent is code execution."""
    layer = kb.k2("Lambda", {"name": "l", "function": "lambda x: eval('print(1)')"})
    report = scan(_keras2_h5_with(layer), "model.h5")
    assert report.verdict is Verdict.MALICIOUS, report.findings
    assert "keras.dangerous-callable" in rules(report)


def test_keras2_lambda_in_an_unknown_form_is_not_clean():
    layer = kb.k2("Lambda", {"name": "l", "function": "lambda x: x * 2"})
    report = scan(_keras2_h5_with(layer), "model.h5")
    assert report.verdict is Verdict.SUSPICIOUS, report.findings


def test_template_reading_a_dunder_variable_is_malicious():
    """``__builtins__`` is no template variable; a chat template that reads it (to reach eval)
    is a code-execution attempt, like a dunder attribute."""
    template = "{{ __builtins__['eval']('1 + 1') }}"
    config = json.dumps({"chat_template": template}).encode()
    report = scan(config, "tokenizer_config.json")
    assert "templates.dunder-access" in rules(report), report.findings
    assert report.verdict is Verdict.MALICIOUS
