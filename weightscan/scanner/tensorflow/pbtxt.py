"""TensorFlow graphs in protobuf text format (saved_model.pbtxt, frozen .pbtxt graphs).

TensorFlow loads ``saved_model.pbtxt`` when there is no ``saved_model.pb``, so a text
graph runs the same ops. Every ``op: "..."`` value is read the way the text format does:
adjacent string literals are joined, C escapes decoded, ``#`` comments skipped; the op
names are judged like those of a binary graph.
"""

from __future__ import annotations

import codecs
import re

from weightscan.scanner.context import ScanContext
from weightscan.scanner.protobuf.wire import WireReader
from weightscan.scanner.source import Source
from weightscan.scanner.tensorflow.graph import GraphWalk

MAX_TEXT_BYTES = 64 << 20
_SHAPE = re.compile(
    rb"\A(?:\s|#[^\n]*\n)*(?:saved_model_schema_version|meta_graphs|node|"
    rb"library|versions|meta_info_def|graph_def)\s*[:{<]"
)
_FIELD_HEAD = 64  # bytes of the first field kept for the shape check
_CHUNK = 1 << 20
_LITERAL = r'(?:"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
_OP = re.compile(r"\bop\s*:?\s*((?:" + _LITERAL + r"(?:\s|#[^\n]*\n)*)+)")
_ONE = re.compile(_LITERAL)


def looks_like_tf_text(head: bytes) -> bool:
    return _SHAPE.match(head) is not None


def analyze_tf_text(source: Source, ctx: ScanContext) -> bool:
    """Judge the ops of a TensorFlow text graph; False when the text is not one."""
    if not looks_like_tf_text(_first_field(source, ctx)):
        return False
    if source.size > MAX_TEXT_BYTES:
        ctx.report(
            "limits.resource",
            f"TensorFlow text graph over {MAX_TEXT_BYTES} bytes; its ops were not read",
            evidence={"resource": "text graph bytes", "limit": MAX_TEXT_BYTES},
        )
        return True
    text = source.head(source.size).decode("utf-8", "replace")
    walk = GraphWalk(WireReader(source, ctx), ctx)
    with walk.caps:
        for i, match in enumerate(_OP.finditer(text)):
            if i % 4096 == 0:
                ctx.check_time()
            op = "".join(_unquote(m.group(0)) for m in _ONE.finditer(match.group(1)))
            walk.stats.op_types[op] += 1
            walk.judge(op, "", "text graph", {}, match.start())
    ctx.note("tensorflow_text", {"ops": dict(walk.stats.op_types.most_common(50))})
    return True


def _first_field(source: Source, ctx: ScanContext) -> bytes:
    """The bytes where the first field starts: the text format skips any amount of
    whitespace and ``#`` comments before it, so a fixed-size head is not enough."""
    pos, in_comment = 0, False
    while pos < source.size:
        ctx.check_time()
        chunk = source.read_at(pos, _CHUNK)
        i = 0
        while i < len(chunk):
            if in_comment:
                end = chunk.find(b"\n", i)
                if end < 0:
                    break
                in_comment, i = False, end + 1
                continue
            i = len(chunk) - len(chunk[i:].lstrip())
            if i < len(chunk) and chunk[i] == ord("#"):
                in_comment, i = True, i + 1
            elif i < len(chunk):
                return source.read_at(pos + i, _FIELD_HEAD)
        pos += len(chunk)
    return b""


def _unquote(literal: str) -> str:
    body = literal[1:-1].encode("utf-8", "surrogateescape")
    try:
        raw: bytes = codecs.escape_decode(body)[0]  # type: ignore[attr-defined]
    except ValueError:
        return body.decode("utf-8", "replace")
    return raw.decode("utf-8", "replace")
