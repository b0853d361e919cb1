"""Render-time DoS shapes that scanned clean: a %-format precision of hundreds of millions
(``'%.300000000f'|format(1.0)`` builds a 300 MB string; 10x that takes a gigabyte), and
``batch``/``slice`` with a huge count (padding lists of that length, or looping that often).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from weightscan.scanner import Verdict, scan_path


@pytest.mark.parametrize(
    "template",
    [
        "{{ '%.999999999f'|format(1.0) }}",
        "{{ '%10.999999999f'|format(1.0) }}",
        "{{ (['a']|batch(999999999, 'x')|list)|length }}",
        "{{ messages|slice(999999999)|list|length }}",
    ],
)
def test_render_dos_is_not_clean(tmp_path: Path, template: str) -> None:
    path = tmp_path / "tokenizer_config.json"
    path.write_text(json.dumps({"chat_template": template}))
    report = scan_path(path)
    assert report.verdict is not Verdict.CLEAN
    assert "templates.render-dos" in {f.rule_id for f in report.files[0].findings}


def test_ordinary_precision_and_batch_stay_clean(tmp_path: Path) -> None:
    path = tmp_path / "tokenizer_config.json"
    path.write_text(
        json.dumps(
            {
                "chat_template": "{{ '%.2f'|format(0.5) }}"
                "{% for row in messages|batch(2) %}{{ row|length }}{% endfor %}"
            }
        )
    )
    assert scan_path(path).verdict is Verdict.CLEAN
