"""Dunder *module names* (``__main__``, ``__future__``) versus dunder *attributes*."""

from __future__ import annotations

import pytest

from tests.fixtures.pickles import call0, call4, ops, pickle0, pickle2, pickle4
from tests.scanner.pickle.helpers import finding, rules, scan
from weightscan.scanner import Verdict


@pytest.mark.parametrize("module", ["__main__", "__mp_main__", "__future__"])
def test_a_user_class_in_a_script_module_is_unknown_not_dunder(module):
    # torch.save(model) from a script pickles the model class as __main__.MyModel
    data = pickle2(ops.GLOBAL(module, "MyModel") + ops.EMPTY_TUPLE + ops.NEWOBJ)
    report = scan(data)
    assert report.verdict is Verdict.SUSPICIOUS, [f.to_dict() for f in report.findings]
    assert finding(report, "pickle.import.unknown", module=module, name="MyModel")
    assert "pickle.import.dunder" not in rules(report)


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("__main__", "__builtins__"),
        ("__main__", "MyModel.__init__.__globals__"),
        ("__main__", "__dict__"),
        ("numpy", "__builtins__"),
        ("torch.nn", "Module.__subclasses__"),
        ("sklearn", "__class__"),
        ("collections", "OrderedDict.__reduce__"),
    ],
)
def test_dunder_attributes_stay_malicious(module, name):
    report = scan(pickle4(call4(module, name, "x")))
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]


def test_main_attribute_chain_to_os_is_denied():
    report = scan(pickle4(call4("__main__", "os.system", "echo hi")))
    assert finding(report, "pickle.import.malicious", module="__main__", name="os.system")


def test_dunder_module_component_other_than_script_modules_is_dunder():
    report = scan(pickle0(call0("numpy.__config__", "show", "x")))
    assert report.verdict is Verdict.MALICIOUS


@pytest.mark.parametrize("name", ["system", "eval", "exec", "popen", "getattr", "open"])
def test_code_running_names_in_a_script_module_are_denied(name):
    # a script that did "from os import system" exposes __main__.system
    report = scan(pickle0(call0("__main__", name, "echo hi")))
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]
