"""A text-format SavedModel behind a long run of blank lines or a long comment.

TensorFlow loads ``saved_model.pbtxt`` when there is no ``saved_model.pb``; the text
format skips any amount of whitespace and ``#`` comments. The scanner recognised a text
graph only when its first field sat in the first 4096 bytes, so a PyFunc graph behind
5000 newlines was plain text and scanned clean.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from weightscan.scanner import Verdict, scan_path

GRAPH = 'meta_graphs {\n  graph_def {\n    node { name: "p" op: "PyFunc" }\n  }\n}\n'


@pytest.mark.parametrize(
    "prefix",
    ["\n" * 5000, "# " + "x" * 5000 + "\n", ("# note\n" + " " * 700 + "\n") * 20],
    ids=["blank-lines", "long-comment", "comments-and-spaces"],
)
def test_text_graph_behind_a_long_prefix(tmp_path: Path, prefix: str) -> None:
    (tmp_path / "saved_model.pbtxt").write_text(prefix + GRAPH)
    assert scan_path(tmp_path).verdict is Verdict.MALICIOUS


def test_prose_is_still_plain_text(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("\n" * 5000 + "node: this is prose, not a graph?\n")
    assert scan_path(tmp_path).verdict is Verdict.CLEAN
