"""TensorFlow text graphs (saved_model.pbtxt): the same op checks as binary graphs."""

from __future__ import annotations

import io

import pytest

from weightscan.scanner import Verdict, scan_stream

BENIGN = """saved_model_schema_version: 1
meta_graphs {
  meta_info_def { tags: "serve" }
  graph_def {
    node { name: "x" op: "Placeholder" }
    node { name: "save/SaveV2" op: "SaveV2" }
    node { name: "p" op: "PrintV2" attr { key: "output_stream" value { s: "stderr" } } }
  }
}
"""


def scan(text: str):
    return scan_stream(io.BytesIO(text.encode()), name="saved_model.pbtxt").files[0]


def test_benign_text_graph_is_clean():
    assert scan(BENIGN).verdict is Verdict.CLEAN


@pytest.mark.parametrize(
    "spelling",
    ['"PyFunc"', "'EagerPyFunc'", '"Py" "Func"', '"Py\\x46unc"', '"Py" # split\n "FuncStateless"'],
)
def test_python_ops_in_any_spelling_are_malicious(spelling):
    evil = BENIGN.replace('op: "Placeholder"', f"op: {spelling}")
    report = scan(evil)
    assert report.verdict is Verdict.MALICIOUS, report.findings


def test_file_ops_are_suspicious():
    assert scan(BENIGN.replace('"Placeholder"', '"ReadFile"')).verdict is Verdict.SUSPICIOUS


def test_other_text_mentioning_pyfunc_is_left_alone():
    assert scan('# notes\nWe never use op: "PyFunc" here.\n').verdict is Verdict.CLEAN
