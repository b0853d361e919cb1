"""Memo bombs: a PUT index far beyond anything a pickler writes makes CPython's unpickler
allocate and zero-fill a memo array of 2 * index pointers (``_Unpickler_MemoPut`` in
Modules/_pickle.c): 9 bytes of file ask for 4 GiB. The scanner reports it; it never
allocates by the index itself.
"""

from __future__ import annotations

import pickle
import struct
import subprocess
import sys
import textwrap

import pytest

from tests.fixtures.pickles import ops, pickle2
from tests.scanner.pickle.helpers import finding, no_internal_error, rules, scan
from weightscan.scanner import Severity, Verdict


def long_binput(i: int) -> bytes:
    return b"r" + struct.pack("<I", i)


BOMB = ops.proto(2) + ops.NONE + long_binput(0x1000_0000) + ops.STOP  # 4 GiB of memo


def test_nine_byte_memo_bomb_is_high():
    assert len(BOMB) == 9
    report = scan(BOMB)
    no_internal_error(report)
    f = finding(report, "pickle.memo.bomb", index=0x1000_0000)
    assert f.severity is Severity.HIGH
    assert f.evidence["bytes"] == 0x1000_0000 * 16
    assert report.verdict is Verdict.MALICIOUS


def test_text_put_with_a_huge_index():
    report = scan(pickle2(ops.NONE + ops.PUT(10**12)))
    assert finding(report, "pickle.memo.bomb").severity is Severity.HIGH


def test_a_moderate_sparse_index_is_suspicious():
    report = scan(pickle2(ops.NONE + long_binput(100_000)))
    f = finding(report, "pickle.memo.bomb", index=100_000)
    assert f.severity is Severity.MEDIUM
    assert report.verdict is Verdict.SUSPICIOUS


def test_the_bomb_is_reported_once_and_the_payload_after_it_still_found():
    body = ops.NONE + long_binput(0x7FFF_FFFF) + long_binput(0x7FFF_FFFE) + ops.POP
    body += ops.GLOBAL("os", "system") + ops.SHORT_BINUNICODE("echo hi") + ops.TUPLE1 + ops.REDUCE
    report = scan(pickle2(body))
    assert [f.rule_id for f in report.findings].count("pickle.memo.bomb") == 1
    assert report.verdict is Verdict.MALICIOUS
    assert finding(report, "pickle.import.malicious", module="os", name="system")


@pytest.mark.parametrize("protocol", [0, 1, 2, 4, 5])
def test_real_pickles_with_many_memo_entries_are_clean(protocol):
    data = pickle.dumps([{"k": [i, str(i)]} for i in range(5000)], protocol=protocol)
    report = scan(data)
    assert "pickle.memo.bomb" not in rules(report)
    assert report.verdict is Verdict.CLEAN


def test_proof_cpython_unpickler_asks_for_the_memory():
    """Isolated: under a 1 GiB address-space limit the 9-byte bomb raises MemoryError."""
    code = textwrap.dedent(f"""
        import pickle, resource
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        try:
            pickle.loads({BOMB!r})
        except MemoryError:
            print("memory")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "memory", out
