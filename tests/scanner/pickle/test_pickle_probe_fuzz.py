"""The content probe, and arbitrary/mutated input: findings, never exceptions or hangs."""

from __future__ import annotations

import io
import os
import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.pickles import call0, ops, os_system, pickle0
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.limits import ScanLimits
from weightscan.scanner.pickle.probe import looks_like_pickle
from weightscan.scanner.source import Source

TEXTS = [
    b'{"model_type": "bert", "hidden_size": 768}\n',
    b"# Model card\n\nThis model was trained on ...\n",
    b"---\nlicense: mit\ntags:\n- text\n",
    b"import torch\n\nclass Net(torch.nn.Module):\n    pass\n",
    b"a,b,c\n1,2,3\n4,5,6\n",
    b"copyright (c) 2024 the authors\n",
    b"(see the README for details)\n",
    b"cat > /tmp/x <<EOF\nhello\nEOF\n",
    b"def main():\n    return 0\n",
    b"[general]\nname = x\n",
    b"Lorem ipsum dolor sit amet\n",
    b"0.1 0.2 0.3\n",
    b"I like pickles.\n",
    b"S'quoted but then text\n",
    b"N.",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
]


@pytest.mark.parametrize("text", TEXTS)
def test_probe_rejects_ordinary_text_and_binary(text):
    assert not looks_like_pickle(text)


def test_probe_rejects_random_bytes():
    rnd = __import__("random").Random(1234)
    hits = sum(looks_like_pickle(bytes(rnd.randrange(256) for _ in range(256))) for _ in range(300))
    assert hits <= 3


@pytest.mark.parametrize(
    "data",
    [
        b"cos\nsystem\n(S'echo hi'\ntR.",
        b"(dp0\nS'a'\np1\nI1\ns.",
        b"(lp0\nI1\naI2\na.",
        pickle0(call0("collections", "OrderedDict")),
        *(pickle.dumps({"a": [1, 2.5, "x"]}, protocol=p) for p in range(6)),
        pickle.dumps(list(range(100_000)), protocol=1)[:8192],
    ],
)
def test_probe_accepts_pickles_with_and_without_proto(data):
    assert looks_like_pickle(data)


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_LIMITS = ScanLimits(max_seconds=10.0)
SEEDS = [
    os_system(),
    os_system(proto=4),
    pickle.dumps({"a": [1, (2, 3)], "b": b"x"}, 4),
    pickle.dumps([1.5, "s", None], 2),
    pickle0(call0("mypkg", "f", "x")),
    ops.proto(5)
    + ops.FRAME(4)
    + ops.EMPTY_LIST
    + ops.NEXT_BUFFER
    + ops.READONLY_BUFFER
    + ops.APPEND
    + ops.STOP,
]


def _analyze(data: bytes) -> ScanContext:
    ctx = ScanContext.for_file(_LIMITS)
    analyze(Source(io.BytesIO(data)), ctx, Format.PICKLE)
    return ctx


def _check(ctx: ScanContext) -> None:
    ids = {f.rule_id for f in ctx.findings}
    assert "scanner.internal-error" not in ids, [f.to_dict() for f in ctx.findings]


@FUZZ
@given(st.binary(max_size=512))
def test_arbitrary_bytes_never_crash(data):
    _check(_analyze(data))


@FUZZ
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6),
    st.integers(0, 3),
)
def test_mutated_pickles_give_findings_never_exceptions(seed, flips, cut):
    data = bytearray(seed)
    for pos, value in flips:
        data[pos % len(data)] = value
    data = bytes(data[: len(data) - cut])
    ctx = _analyze(data)
    _check(ctx)
    if data != seed and not ctx.findings:
        # a mutation that still parses cleanly must end with STOP: the analysis was complete
        assert data.endswith(b".")


@FUZZ
@given(
    st.lists(
        st.sampled_from(
            [
                ops.MARK,
                ops.STOP,
                ops.POP,
                ops.POP_MARK,
                ops.DUP,
                ops.NONE,
                ops.REDUCE,
                ops.BUILD,
                ops.APPEND,
                ops.APPENDS,
                ops.SETITEM,
                ops.SETITEMS,
                ops.TUPLE,
                ops.EMPTY_TUPLE,
                ops.EMPTY_LIST,
                ops.EMPTY_DICT,
                ops.LIST,
                ops.DICT,
                ops.OBJ,
                ops.BINPERSID,
                ops.NEWOBJ,
                ops.TUPLE1,
                ops.TUPLE2,
                ops.TUPLE3,
                ops.EMPTY_SET,
                ops.ADDITEMS,
                ops.FROZENSET,
                ops.NEWOBJ_EX,
                ops.STACK_GLOBAL,
                ops.MEMOIZE,
                ops.BINGET(0),
                ops.BINPUT(1),
                ops.SHORT_BINUNICODE("os"),
                ops.SHORT_BINUNICODE("system"),
                ops.GLOBAL("os", "system"),
                ops.INST("a", "b"),
                ops.EXT1(1),
                ops.BININT1(3),
                ops.PERSID("p"),
                ops.LONG1(-5),
            ]
        ),
        max_size=40,
    )
)
def test_random_opcode_sequences(parts):
    _check(_analyze(ops.proto(4) + b"".join(parts)))


def test_dense_pickle_is_bounded_and_streams():
    data = pickle.dumps([f"s{i}" for i in range(200_000)], protocol=4)
    ctx = _analyze(data)
    _check(ctx)
    note = ctx.state.summary["pickle"]
    assert note["opcodes"] > 400_000
    assert os.environ.get("CI_NEVER_SET") is None
