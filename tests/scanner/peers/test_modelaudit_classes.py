"""Classes of attack from ModelAudit's test assets, rebuilt here from opcodes and bytes.

Each test names the class of sample it mirrors; the files are our own, with harmless payloads.
"""

from __future__ import annotations

import json

import pytest

from tests.fixtures import keras_builder as kb
from tests.fixtures.pickles import ops
from tests.scanner.pickle.helpers import finding, no_internal_error, rules, scan
from weightscan.scanner import Verdict


def test_frame_longer_than_the_file_still_shows_the_import():
    """A FRAME that declares more bytes than follow it. The C unpickler stops there, but the
    pure-Python one (pickle._Unpickler, which joblib.load subclasses) reads the short frame and
    runs on, so the opcodes after it are analysed, not dropped."""
    body = (
        ops.SHORT_BINUNICODE("nt")
        + ops.MEMOIZE
        + ops.SHORT_BINUNICODE("system")
        + ops.MEMOIZE
        + ops.STACK_GLOBAL
        + ops.MEMOIZE
        + ops.STOP
    )
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


def _inner_pickle() -> bytes:
    return ops.proto(4) + b"cos\nsystem\n" + ops.SHORT_BINUNICODE("echo hi") + b"\x85R."


def _outer_dict(value: bytes) -> bytes:
    return ops.proto(4) + b"}" + ops.SHORT_BINUNICODE("payload") + value + b"s."


def _short_binbytes(p: bytes) -> bytes:
    return b"C" + bytes([len(p)]) + p


@pytest.mark.parametrize(
    "encode",
    [
        _short_binbytes,
        lambda p: b"B" + len(p).to_bytes(4, "little") + p,
        lambda p: _short_binbytes(_outer_dict(_short_binbytes(p))),  # two stages
    ],
    ids=["short-binbytes", "binbytes", "two-stages"],
)
def test_a_pickle_stored_as_data_is_reported_with_its_imports(encode):
    """Bytes that are themselves a pickle that calls os.system, stored as a value: the
    loader does not run them, but a staged exploit is what no harmless file carries (the
    same grade as the base64 or hex of that pickle)."""
    report = scan(_outer_dict(encode(_inner_pickle())))
    no_internal_error(report)
    hit = finding(report, "pickle.embedded-pickle")
    assert "os.system" in hit.evidence["imports"]
    assert report.verdict is Verdict.MALICIOUS


def test_a_stored_pickle_of_unknown_classes_is_suspicious():
    inner = ops.proto(4) + b"cmylib.models\nNet\n)\x81."
    report = scan(_outer_dict(_short_binbytes(inner)))
    hit = finding(report, "pickle.embedded-pickle")
    assert "mylib.models.Net" in hit.evidence["imports"]
    assert report.verdict is Verdict.SUSPICIOUS


def test_a_pickle_of_plain_data_stored_as_data_stays_clean():
    inner = ops.proto(4) + b"]" + ops.SHORT_BINUNICODE("a") + b"a."
    report = scan(_outer_dict(_short_binbytes(inner)))
    assert report.verdict is Verdict.CLEAN, report.findings


def test_bytes_that_only_look_like_a_pickle_stay_clean():
    """Tensor bytes may start with PROTO and end with STOP by chance; the names they decode
    to are no importable names."""
    inner = b"\x80\x02c\x01\xff 2\n3 \x07\n)R."
    report = scan(_outer_dict(_short_binbytes(inner)))
    assert report.verdict is Verdict.CLEAN, report.findings
