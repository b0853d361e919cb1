"""TorchScript archives: their pickles name "__torch__.*" classes and torch.jit list helpers.

TorchScript's own unpickler resolves "__torch__" classes from the archive's compiled code
and never imports them, so they are clean there; the same names in a plain pickle, and any
denylisted import inside a TorchScript archive, are still flagged.
"""

from __future__ import annotations

import pytest

from tests.fixtures.archives import make_zip, rules_of, scan_bytes
from tests.fixtures.pickles import ops, os_system, pickle2
from tests.optional import require
from weightscan.scanner import Verdict


def _torchscript_zip(data_pkl: bytes) -> bytes:
    return make_zip(
        [
            ("model/data.pkl", data_pkl),
            ("model/constants.pkl", pickle2(ops.EMPTY_TUPLE)),
            ("model/code/__torch__.py", b"class M(Module):\n  pass\n"),
            ("model/version", b"3\n"),
        ]
    )


def _torch_class_pickle(module: str, name: str) -> bytes:
    return pickle2(ops.GLOBAL(module, name) + ops.EMPTY_TUPLE + ops.NEWOBJ)


def test_torch_classes_in_a_torchscript_archive_are_clean():
    report = scan_bytes(_torchscript_zip(_torch_class_pickle("__torch__", "M")), "m.pt")
    assert report.format == "torchscript"
    assert report.verdict is Verdict.CLEAN


def test_jit_list_helpers_are_clean_anywhere():
    report = scan_bytes(
        pickle2(
            ops.GLOBAL("torch.jit._pickle", "build_intlist")
            + ops.EMPTY_LIST
            + ops.TUPLE1
            + ops.REDUCE
        ),
        "l.pkl",
    )
    assert report.verdict is Verdict.CLEAN


def test_torch_class_outside_torchscript_is_not_clean():
    report = scan_bytes(_torch_class_pickle("__torch__", "M"), "m.pkl")
    assert report.verdict is not Verdict.CLEAN


def test_payload_inside_a_torchscript_archive_is_still_malicious():
    report = scan_bytes(_torchscript_zip(os_system()), "m.pt")
    assert report.verdict is Verdict.MALICIOUS
    assert "pickle.import.malicious" in rules_of(report)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_real_torchscript_files_are_clean(tmp_path):
    torch = require("torch")
    path = tmp_path / "traced.pt"
    torch.jit.trace(torch.nn.Linear(3, 2), torch.zeros(1, 3)).save(str(path))
    report = scan_bytes(path.read_bytes(), "traced.pt")
    assert report.format == "torchscript"
    assert report.verdict is Verdict.CLEAN, [f.rule_id for f in report.findings]
