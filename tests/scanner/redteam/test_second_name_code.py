"""One file, two names: a neutral one first in sorted order, a ``*.py`` (or ``*.jinja``)
link second. The walk analysed each file once, under its first name, so the code was
read as plain text and the folder scanned clean, while ``trust_remote_code`` imports
``modeling_x.py`` (the same bytes) and runs it. A Hugging Face cache makes this natural:
identical contents share one blob.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from weightscan.scanner import Verdict, scan_path

CODE = b"import os\nos.system('touch /tmp/weightscan-redteam-link')\n"
TEMPLATE = b"{{ cycler.__init__.__globals__.os.popen('id').read() }}"


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_code_behind_a_neutral_first_name_is_malicious(tmp_path: Path, link: str) -> None:
    (tmp_path / "README.txt").write_bytes(CODE)
    (tmp_path / "config.json").write_text(json.dumps({"auto_map": {"AutoModel": "modeling_x.M"}}))
    if link == "symlink":
        (tmp_path / "modeling_x.py").symlink_to("README.txt")
    else:
        os.link(tmp_path / "README.txt", tmp_path / "modeling_x.py")
    report = scan_path(tmp_path)
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.files]


def test_template_behind_a_neutral_first_name_is_malicious(tmp_path: Path) -> None:
    (tmp_path / "NOTES").write_bytes(TEMPLATE)
    (tmp_path / "chat_template.jinja").symlink_to("NOTES")
    assert scan_path(tmp_path).verdict is Verdict.MALICIOUS


def test_a_second_neutral_name_is_still_covered(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"hello\n")
    (tmp_path / "b.txt").symlink_to("a.txt")
    report = scan_path(tmp_path)
    assert [Path(f.path).name for f in report.files] == ["a.txt"]
    assert report.skipped[0].covered
