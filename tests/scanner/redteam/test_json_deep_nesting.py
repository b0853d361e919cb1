"""JSON configs nested deeper than this process's ``json.loads`` reads.

Python 3.11's json decoder stops at the interpreter's recursion limit (1,000), so a
config whose first value nests 1,200 lists made ``json.loads`` raise RecursionError and
the scanner treated the file as "not JSON after all": plain text, clean. The loader does
not have to stop there: a process that raised ``sys.setrecursionlimit`` (common in
training code), or Python 3.12 and later (the decoder counts against the C recursion
limit instead), reads the ``auto_map``, the chat template, the ``modules.json`` module
type or the Keras Lambda behind it. A config that names code and could not be parsed
for its depth is now reported as not analysed.
"""

from __future__ import annotations

import pytest

from tests.fixtures.archives import rules_of, scan_bytes
from weightscan.scanner import Verdict

_DEEP = b"[" * 1200 + b"]" * 1200
MARK = "touch /tmp/weightscan-redteam-deep-json"

CASES = {
    "config.json": b'{"a": '
    + _DEEP
    + b', "auto_map": {"AutoModel": "attacker/repo--modeling.Evil"}}',
    "tokenizer_config.json": b'{"a": '
    + _DEEP
    + b', "chat_template": "{{ cycler.__init__.__globals__.os.popen(\''
    + MARK.encode()
    + b"').read() }}\"}",
    "modules.json": b"[" + _DEEP + b', {"type": "attacker/repo--pooling.Evil"}]',
    "model.json": b'{"class_name": "Sequential", "x": '
    + _DEEP
    + b', "config": {"layers": [{"class_name": "Lambda", "config": {"function": "x"}}]}}',
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_config_too_deep_for_json_loads_is_not_clean(name: str) -> None:
    report = scan_bytes(CASES[name], name=name)
    assert report.verdict is not Verdict.CLEAN, rules_of(report)


def test_a_deep_json_list_of_plain_data_stays_clean() -> None:
    report = scan_bytes(b'{"values": ' + _DEEP + b"}", name="data.json")
    assert report.verdict is Verdict.CLEAN, rules_of(report)
