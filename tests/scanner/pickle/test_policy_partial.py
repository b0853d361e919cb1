"""functools.partial: an uncalled partial is data (gensim pickles them); a called one is not."""

from __future__ import annotations

import functools
import pickle

import pytest

from tests.fixtures.pickles import ops, pickle2
from tests.scanner.pickle.helpers import finding, rules, scan
from weightscan.scanner import Severity, Verdict


def _partial_of(module: str, name: str, arg: str = "x") -> bytes:
    """functools.partial(module.name, arg) built like partial.__reduce__ does (REDUCE+BUILD)."""
    func = ops.GLOBAL(module, name)
    return (
        ops.GLOBAL("functools", "partial")
        + func
        + ops.TUPLE1
        + ops.REDUCE
        + ops.MARK
        + func
        + ops.SHORT_BINUNICODE(arg)
        + ops.TUPLE1
        + ops.NONE
        + ops.NONE
        + ops.TUPLE
        + ops.BUILD
    )


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("builtins", "int"),  # allowed callable
        ("gensim.utils", "call_on_class_only"),  # unknown callable
    ],
)
def test_uncalled_partial_of_a_non_denied_callable_is_unknown(module, name):
    report = scan(pickle2(_partial_of(module, name)))
    assert report.verdict is Verdict.SUSPICIOUS, [f.to_dict() for f in report.findings]
    assert finding(report, "pickle.import.unknown", module="functools", name="partial")
    assert "pickle.import.malicious" not in rules(report)


def test_a_real_uncalled_partial_is_not_malicious():
    data = pickle.dumps({"hook": functools.partial(int, base=2)}, protocol=2)
    assert scan(data).verdict is Verdict.SUSPICIOUS


def test_partial_of_a_denied_callable_is_malicious():
    report = scan(pickle2(_partial_of("os", "system", "echo hi")))
    assert report.verdict is Verdict.MALICIOUS
    assert finding(report, "pickle.import.malicious", module="functools", name="partial")


def test_called_partial_is_malicious_even_around_an_unknown_callable():
    # partial(mypkg.run, 'echo hi')() : the partial object itself is invoked
    data = pickle2(_partial_of("mypkg.tools", "run", "echo hi") + ops.EMPTY_TUPLE + ops.REDUCE)
    report = scan(data)
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]
    f = finding(report, "pickle.import.malicious", module="functools", name="partial")
    assert f.severity is Severity.CRITICAL


def test_partial_whose_state_swaps_in_a_denied_callable_is_malicious():
    # partial.__setstate__ replaces func: partial(int) + BUILD (os.system, ...)
    data = pickle2(
        ops.GLOBAL("functools", "partial")
        + ops.GLOBAL("builtins", "int")
        + ops.TUPLE1
        + ops.REDUCE
        + ops.MARK
        + ops.GLOBAL("posix", "system")
        + ops.SHORT_BINUNICODE("echo hi")
        + ops.TUPLE1
        + ops.NONE
        + ops.NONE
        + ops.TUPLE
        + ops.BUILD
    )
    assert scan(data).verdict is Verdict.MALICIOUS


def test_partial_used_as_a_defaultdict_factory_of_a_denied_callable_is_malicious():
    data = pickle2(
        ops.GLOBAL("collections", "defaultdict")
        + _partial_of("os", "system")
        + ops.TUPLE1
        + ops.REDUCE
    )
    assert scan(data).verdict is Verdict.MALICIOUS


def test_private_functools_partial_alias_follows_the_same_rules():
    data = pickle2(
        ops.GLOBAL("_functools", "partial")
        + ops.GLOBAL("builtins", "int")
        + ops.TUPLE1
        + ops.REDUCE
    )
    assert scan(data).verdict is Verdict.SUSPICIOUS


def test_partial_handed_to_a_helper_that_calls_it_is_malicious():
    # numpy's __randomstate_ctor(name, ctor) calls ctor(name): the partial is invoked
    data = pickle2(
        ops.GLOBAL("numpy.random._pickle", "__randomstate_ctor")
        + ops.SHORT_BINUNICODE("MT19937")
        + _partial_of("mypkg.tools", "run")
        + ops.TUPLE2
        + ops.REDUCE
    )
    report = scan(data)
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]
