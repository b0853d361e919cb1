"""PaddlePaddle: a .pdmodel ProgramDesc is read and its operators listed (py_func is
malicious, file operators suspicious); .pdparams pickles of numpy arrays are clean."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

from tests.fixtures.protobuf_builder import f
from weightscan.scanner import Verdict, scan_stream
from weightscan.scanner.formats import Format
from weightscan.scanner.sniff import sniff_format
from weightscan.scanner.source import Source


def var(name: str, persistable: bool = False) -> bytes:
    return f(1, name) + f(2, f(1, 7)) + f(3, int(persistable))


def op(kind: str, inputs: tuple[str, ...] = ("x",), outputs: tuple[str, ...] = ("y",)) -> bytes:
    ins = b"".join(f(1, f(1, "X") + f(2, n)) for n in inputs)
    outs = b"".join(f(2, f(1, "Out") + f(2, n)) for n in outputs)
    return ins + outs + f(3, kind) + f(4, f(1, "op_role") + f(2, 0) + f(3, 0))


def block(idx: int, vars_: list[bytes], ops: list[bytes], parent: int = -1) -> bytes:
    body = f(1, idx) + f(2, parent & 0xFFFFFFFFFFFFFFFF)
    return body + b"".join(f(3, v) for v in vars_) + b"".join(f(4, o) for o in ops)


def program(*blocks: bytes) -> bytes:
    return b"".join(f(1, b) for b in blocks) + f(4, f(1, 2005000))


MAIN = block(
    0,
    [var("feed"), var("x"), var("fc_0.w_0", True), var("y"), var("fetch")],
    [
        op("feed", ("feed",), ("x",)),
        op("matmul_v2"),
        op("softmax"),
        op("fetch", ("y",), ("fetch",)),
    ],
)


def scan(raw: bytes, name: str = "inference.pdmodel"):
    return scan_stream(io.BytesIO(raw), name=name).files[0]


def rule(report, rule_id: str):
    return [x for x in report.findings if x.rule_id == rule_id]


def test_inference_program_is_clean():
    raw = program(MAIN)
    assert sniff_format(Source(io.BytesIO(raw))) is Format.PADDLE_PROGRAM
    report = scan(raw)
    assert report.format == "paddle-program"
    assert report.verdict is Verdict.CLEAN, report.findings
    assert rule(report, "paddle.program")[0].evidence["op_types"]["feed"] == 1


def test_py_func_in_any_block_is_malicious():
    sub = block(1, [var("z")], [op("py_func")], parent=0)
    report = scan(program(MAIN, sub))
    assert report.verdict is Verdict.MALICIOUS
    assert rule(report, "paddle.op.python")[0].evidence == {"ops": ["py_func"]}


def test_file_ops_are_suspicious():
    report = scan(program(block(0, [var("x")], [op("save_combine")])))
    assert report.verdict is Verdict.SUSPICIOUS


@pytest.mark.parametrize("raw", [program(MAIN)[:-3], program(MAIN) + b"\xff"])
def test_broken_programs_are_not_clean(raw: bytes):
    assert scan(raw).verdict is not Verdict.CLEAN


def test_pdparams_of_numpy_arrays_are_clean():
    params = {
        "fc_0.w_0": np.ones((4, 3), np.float32),
        "fc_0.b_0": np.zeros(3, np.float32),
        "StructuredToParameterName@@": {"fc.weight": "fc_0.w_0"},
    }
    for protocol in (2, 4):
        report = scan(pickle.dumps(params, protocol=protocol), name="model.pdparams")
        assert report.verdict is Verdict.CLEAN, report.findings
