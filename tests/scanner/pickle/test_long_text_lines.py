"""Protocol-0 text arguments of any length are parsed whole (streaming, bounded memory).

STRING and UNICODE lines longer than the kept prefix used to be judged on the prefix
alone ("not quoted", "bad escape"): real pickles were flagged, and a long line could
hide what follows it. The engine now validates the whole line in pieces, exactly as the
unpickler decodes it, and keeps only a prefix of the value.
"""

from __future__ import annotations

import io
import pickle

import pytest

from tests.fixtures.pickles import call0, ops
from tests.scanner.pickle.helpers import finding, no_internal_error, rules, scan
from weightscan.scanner import Verdict
from weightscan.scanner.context import ScanContext
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.pickle.analyzer import analyze_pickle_file
from weightscan.scanner.source import Source

LONG = 300_000  # several reader chunks would be 1 MiB+: see the chunk-edge test below


def pickle_rules(data: bytes) -> set[str]:
    """Rules of the pickle analysis itself (a broken pickle that imports nothing may be
    sniffed as text: that is the sniffer's call, not the engine's)."""
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze_pickle_file(Source(io.BytesIO(data), name="x.pkl"), ctx)
    return {f.rule_id for f in ctx.findings}


@pytest.mark.parametrize(
    "value",
    [
        "x" * 5000,
        "é" * 3000 + "\\q\x00\n",
        "\\" * 5001,
        "a\\u1234" * 2000,
        "\U0001f600" * 3000,
        b"\x00\\" * 3000,
        b"\xff'\"" * 4000,
        bytes(range(256)) * 40,
    ],
)
@pytest.mark.parametrize("protocol", [0, 2])  # 1: see the sniffer (no PROTO opcode)
def test_real_long_text_pickles_are_clean(value, protocol):
    data = pickle.dumps({"k": value, "after": [1, 2]}, protocol=protocol)
    report = scan(data)
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


def test_python2_style_long_string_opcode_is_clean():
    text = "ab'c\\x00\"" * 2000
    data = ops.MARK + ops.STRING(text) + ops.STRING("short") + ops.TUPLE + ops.STOP
    assert len(data) > 8192
    assert scan(data).verdict is Verdict.CLEAN


@pytest.mark.parametrize("op", ["STRING", "UNICODE"])
def test_payload_after_a_long_text_line_is_found(op):
    line = getattr(ops, op)("y" * LONG)
    data = line + ops.POP + call0("os", "system", "touch /tmp/weightscan-long") + ops.STOP
    report = scan(data)
    no_internal_error(report)
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]
    assert finding(report, "pickle.import.malicious", module="os", name="system")


@pytest.mark.parametrize("split", range(1, 12))
def test_escapes_cut_at_a_reader_chunk_edge_decode_like_the_unpickler(split):
    # place an escape across the engine's 1 MiB read boundary at every offset
    from weightscan.scanner.pickle.reader import CHUNK

    for escape in (b"\\x41", b"\\\\", b"\\101", b"\\'"):
        head = b"S'" + b"a" * (CHUNK - split - 2)
        line = head + escape + b"b" * 10 + b"'\n"
        data = line + ops.POP + ops.NONE + ops.STOP
        # what the real unpickler says (a valid line: the engine must accept it too)
        report = scan(data)
        no_internal_error(report)
        assert report.verdict is Verdict.CLEAN, (
            split,
            escape,
            [f.to_dict() for f in report.findings],
        )


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        (b"S'" + b"a" * LONG + b"\n", "pickle.stream.malformed"),  # no closing quote
        (b"S'" + b"a" * LONG + b'"\n', "pickle.stream.malformed"),  # mismatched quote
        (b"S'" + b"a" * LONG + b"\\x4'\n", "pickle.string.invalid"),  # bad \\x escape at the end
        (b"S'" + b"a" * LONG + b"\\'\n", "pickle.string.invalid"),  # trailing backslash
        (b"S'" + b"a" * LONG + b"'\r\n", "pickle.stream.malformed"),  # \\r is not stripped
        (b"V" + b"a" * LONG + b"\\u12\n", "pickle.string.invalid"),  # truncated \\u escape
        (b"V" + b"a" * LONG + b"\\U00110000\n", "pickle.string.invalid"),  # out of range
    ],
)
def test_broken_long_lines_are_rejected_where_the_unpickler_rejects_them(line, rule):
    data = line + ops.NONE + ops.STOP
    with pytest.raises(Exception):  # noqa: B017 - the oracle: any unpickling error
        pickle.loads(data)
    assert rule in pickle_rules(data)


def test_long_line_never_ending_is_truncated():
    assert "pickle.stream.truncated" in pickle_rules(b"V" + b"z" * LONG)


@pytest.mark.parametrize("value", [2**1000, -(10**4200), 10**4299])
@pytest.mark.parametrize("protocol", [0, 1, 2])
def test_big_integers_are_clean(value, protocol):
    report = scan(pickle.dumps([value, "after"], protocol=protocol))
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]
    assert report.format == "pickle"


def test_integer_line_beyond_what_int_parses_is_malformed():
    data = b"I" + b"1" * 5000 + b"\n."
    with pytest.raises(ValueError):
        pickle.loads(data)
    assert "pickle.stream.malformed" in pickle_rules(data)


def test_long_global_name_is_an_import_that_cannot_be_named():
    # GLOBAL with a dotted name longer than the kept prefix (protocol 4 resolves dotted
    # names by attribute traversal): its last part is hidden
    name = ".".join(["path"] * 1200) + ".system"
    data = ops.proto(4) + ops.GLOBAL("os", name) + ops.STOP
    report = scan(data)
    assert report.verdict is not Verdict.CLEAN
    assert "pickle.import.malformed" in rules(report) or "pickle.import.malicious" in rules(report)


def test_broken_escape_in_a_short_unicode_line_is_a_finding_not_a_crash():
    # fuzz: a truncated \\u escape in the middle of a short UNICODE line
    data = b"(V\\u30\x01\x000\n" + ops.TUPLE + ops.STOP
    assert "pickle.string.invalid" in pickle_rules(data)
