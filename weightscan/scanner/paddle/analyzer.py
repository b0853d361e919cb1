"""PaddlePaddle ``.pdmodel``: a ProgramDesc (framework.proto), walked with the bounded
protobuf reader; parameters live in ``.pdiparams`` and tensor bytes are never read.

ProgramDesc: ``blocks = 1`` (BlockDesc), ``version = 4``, ``op_version_map = 5``.
BlockDesc: ``idx = 1``, ``parent_idx = 2``, ``vars = 3``, ``ops = 4``,
``forward_block_idx = 5``. OpDesc: ``inputs = 1``, ``outputs = 2``, ``type = 3``,
``attrs = 4``, ``is_target = 5``. Control-flow operators run other blocks, so every block's
operators are judged.
"""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.protobuf.wire import LEN, WireReader, expect
from weightscan.scanner.source import Source

PYTHON_OPS = frozenset({"py_func"})
FILE_OPS = frozenset({"save", "load", "save_combine", "load_combine"})
_LISTED = 50


def analyze_paddle_program(source: Source, ctx: ScanContext) -> None:
    pb = WireReader(source, ctx)
    ops: dict[str, int] = {}
    blocks = 0
    for fl in pb.fields(0, source.size):
        if fl.number == 1:
            expect(fl, LEN, "blocks")
            blocks += 1
            for bf in pb.fields(fl.start, fl.end):
                if bf.number == 4:
                    expect(bf, LEN, "ops")
                    op = _op_type(pb, bf.start, bf.end)
                    ops[op] = ops.get(op, 0) + 1
    ctx.note("paddle", {"blocks": blocks, "ops": sum(ops.values())})
    python = sorted(PYTHON_OPS & ops.keys())
    if python:
        ctx.report(
            "paddle.op.python",
            f"the program calls Python: {', '.join(python)}",
            evidence={"ops": python},
        )
    files = sorted(FILE_OPS & ops.keys())
    if files:
        ctx.report(
            "paddle.op.file",
            f"the program touches files: {', '.join(files)}",
            evidence={"ops": files},
        )
    top = dict(sorted(ops.items(), key=lambda kv: -kv[1])[:_LISTED])
    ctx.report(
        "paddle.program",
        f"PaddlePaddle program: {blocks} blocks, {sum(ops.values())} operators of {len(ops)} types",
        evidence={"blocks": blocks, "op_types": top},
    )


def _op_type(pb: WireReader, start: int, end: int) -> str:
    """The op's type; like protobuf, the last occurrence wins."""
    op = ""
    for fl in pb.fields(start, end):
        if fl.number == 3:
            expect(fl, LEN, "op type")
            op = pb.text(fl, 256)
    return op
