"""A bounded walk of a TFLite model (tensorflow/lite/schema/schema.fbs).

Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4.
OperatorCode: deprecated_builtin_code 0 (i8), custom_code 1 (string), builtin_code 3
(i32); the effective code is the larger of the two codes, and 32 is CUSTOM.
Buffer: data 0 (bytes, never read), offset 1 and size 2 (u64, for data kept after the
flatbuffer in models over 2 GB). Subgraphs are counted, not walked: their operators can
only be the operator codes listed.
"""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.errors import LimitExceeded
from weightscan.scanner.source import Source
from weightscan.scanner.tensorflow import ops
from weightscan.scanner.tflite.flatbuffer import Flatbuffer

CUSTOM = 32
IDENTIFIER = b"TFL3"
_MAX_OPERATOR_CODES = 100_000
_MAX_BUFFERS = 1_000_000
_MAX_LISTED = 50
_FLEX = "Flex"


def is_tflite(head: bytes) -> bool:
    return len(head) >= 8 and head[4:8] == IDENTIFIER


def analyze_tflite(source: Source, ctx: ScanContext) -> None:
    fb = Flatbuffer(source)
    model = fb.root()
    summary: dict[str, object] = {"version": fb.scalar(model, 0, "I")}
    customs, flex = _operator_codes(fb, model, ctx, summary)
    summary["subgraphs"] = len(fb.tables(model, 2, "subgraphs", _MAX_BUFFERS))
    summary["description"] = fb.string(model, 3)
    _buffers(fb, model, ctx, summary)
    if customs:
        ctx.report(
            "tflite.op.custom",
            "custom operators the application must register: " + ", ".join(customs[:_MAX_LISTED]),
            evidence={"ops": customs[:_MAX_LISTED], "count": len(customs)},
        )
    if flex:
        ctx.report(
            "tflite.op.flex",
            "TensorFlow operators run by the Flex delegate: " + ", ".join(flex[:_MAX_LISTED]),
            evidence={"ops": flex[:_MAX_LISTED], "count": len(flex)},
        )
    ctx.note("tflite", summary)


def _operator_codes(
    fb: Flatbuffer, model: int, ctx: ScanContext, summary: dict[str, object]
) -> tuple[list[str], list[str]]:
    codes = fb.tables(model, 1, "operator_codes", _MAX_OPERATOR_CODES + 1)
    if len(codes) > _MAX_OPERATOR_CODES:
        raise LimitExceeded("TFLite operator codes", _MAX_OPERATOR_CODES)
    customs: set[str] = set()
    flex: set[str] = set()
    builtins: set[int] = set()
    for table in codes:
        code = max(fb.scalar(table, 0, "b"), fb.scalar(table, 3, "i"))
        if code != CUSTOM:
            builtins.add(code)
            continue
        name = fb.string(table, 1) or ""
        if name.startswith(_FLEX):
            flex.add(name[len(_FLEX) :])
            _judge_flex(ctx, name[len(_FLEX) :], table)
        else:
            customs.add(name)
    summary["operator_codes"] = len(codes)
    summary["builtin_codes"] = sorted(builtins)[:_MAX_LISTED]
    return sorted(customs), sorted(flex)


def _judge_flex(ctx: ScanContext, op: str, offset: int) -> None:
    evidence = {"op": op, "node": f"Flex{op}", "where": "tflite"}
    if op in ops.PYTHON:
        ctx.report(
            "tensorflow.op.python",
            f"Flex operator {op} runs Python",
            offset=offset,
            evidence=evidence,
        )
    elif op in ops.FILE or op == "PrintV2":
        ctx.report(
            "tensorflow.op.file",
            f"Flex operator {op} reads or writes files",
            offset=offset,
            evidence=evidence,
        )
    elif op in ops.NETWORK:
        ctx.report(
            "tensorflow.op.network",
            f"Flex operator {op} talks to the network",
            offset=offset,
            evidence=evidence,
        )


def _buffers(fb: Flatbuffer, model: int, ctx: ScanContext, summary: dict[str, object]) -> None:
    buffers = fb.tables(model, 4, "buffers", _MAX_BUFFERS + 1)
    if len(buffers) > _MAX_BUFFERS:
        raise LimitExceeded("TFLite buffers", _MAX_BUFFERS)
    summary["buffers"] = len(buffers)
    size = fb.source.size
    with ctx.capped(ctx.limits.max_findings_per_rule, summary="{more} more buffers") as report:
        for i, table in enumerate(buffers):
            if i % 4096 == 0:
                ctx.check_time()
            fb.count(table, 0, "buffer data")  # the inline bytes must fit in the file
            offset, length = fb.scalar(table, 1, "Q"), fb.scalar(table, 2, "Q")
            if offset > 1 and offset + length > size:
                report(
                    "tflite.buffer.range",
                    f"buffer {i} declares bytes {offset}..{offset + length}; the file has {size}",
                    offset=table,
                    evidence={"buffer": i, "offset": offset, "size": length},
                )
