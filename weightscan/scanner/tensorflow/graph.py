"""A bounded walk of TensorFlow GraphDef messages (graph.proto, node_def.proto,
function.proto, attr_value.proto): every node of the graph and of every library
function, judged by its op name and, for PrintV2, where it prints.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from weightscan.scanner.context import ScanContext
from weightscan.scanner.protobuf.wire import LEN, Field, WireReader, expect
from weightscan.scanner.tensorflow import ops

_MAX_OP_TYPES = 2000
_KEEP = 256


@dataclass
class GraphStats:
    nodes: int = 0  # of the graphs
    function_nodes: int = 0  # of the library functions' bodies
    functions: int = 0
    op_types: Counter[str] = field(default_factory=Counter)


class GraphWalk:
    """Walks GraphDefs of one file, reporting ops that reach outside the tensor math."""

    def __init__(self, pb: WireReader, ctx: ScanContext) -> None:
        self.pb, self.ctx = pb, ctx
        self.stats = GraphStats()
        self.caps = ctx.capped(ctx.limits.max_findings_per_rule)

    def report(self, rule_id: str, message: str, *, offset: int, **evidence: Any) -> None:
        self.caps(rule_id, message, offset=offset, evidence=evidence)

    def graph(self, start: int, end: int) -> None:
        for fl in self.pb.fields(start, end):
            if fl.number == 1:
                expect(fl, LEN, "node")
                self.node(fl, where="graph")
            elif fl.number == 2:
                expect(fl, LEN, "library")
                self.library(fl)

    def library(self, fl: Field) -> None:
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number == 1:  # FunctionDef (2: gradients, names only)
                expect(sub, LEN, "function")
                self.function(sub)

    def function(self, fl: Field) -> None:
        self.stats.functions += 1
        name = ""
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number == 1:  # signature: OpDef, its field 1 is the name
                expect(sub, LEN, "function signature")
                for part in self.pb.fields(sub.start, sub.end):
                    if part.number == 1 and part.wire == LEN:
                        name = self.pb.text(part, _KEEP)
            elif sub.number == 3:
                expect(sub, LEN, "function node")
                self.node(sub, where=f"function {name}" if name else "function")

    def node(self, fl: Field, *, where: str) -> None:
        name = op = ""
        attrs: dict[str, Field] = {}
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number == 1:
                expect(sub, LEN, "node name")
                name = self.pb.text(sub, _KEEP)
            elif sub.number == 2:
                expect(sub, LEN, "node op")
                op = self.pb.text(sub, _KEEP)
            elif sub.number == 5:
                expect(sub, LEN, "node attr")
                self.attr_entry(sub, attrs)
        st = self.stats
        if where == "graph":
            st.nodes += 1
        else:
            st.function_nodes += 1
        if op in st.op_types or len(st.op_types) < _MAX_OP_TYPES:
            st.op_types[op] += 1
        self.judge(op, name, where, attrs, fl.tag_offset)

    def attr_entry(self, fl: Field, attrs: dict[str, Field]) -> None:
        """Keep the attributes the op judgement reads (map entry: key 1, AttrValue 2)."""
        key, value = "", None
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number == 1 and sub.wire == LEN:
                key = self.pb.text(sub, 64)
            elif sub.number == 2 and sub.wire == LEN:
                value = sub
        if value is not None and key == "output_stream":
            attrs[key] = value

    def attr_string(self, value: Field) -> str | None:
        for sub in self.pb.fields(value.start, value.end):
            if sub.number == 2 and sub.wire == LEN:  # AttrValue.s
                return self.pb.text(sub, _KEEP)
        return None

    def judge(self, op: str, name: str, where: str, attrs: dict[str, Field], offset: int) -> None:
        evidence = {"op": op, "node": name, "where": where}
        if op in ops.PYTHON:
            self.report(
                "tensorflow.op.python",
                f"{op} node {name!r} ({where}) runs Python when the graph runs",
                offset=offset,
                **evidence,
            )
        elif op in ops.FILE:
            self.report(
                "tensorflow.op.file",
                f"{op} node {name!r} ({where}) reads or writes files",
                offset=offset,
                **evidence,
            )
        elif op in ops.NETWORK:
            self.report(
                "tensorflow.op.network",
                f"{op} node {name!r} ({where}) talks to the network",
                offset=offset,
                **evidence,
            )
        elif op == "PrintV2":
            stream = attrs.get("output_stream")
            target = self.attr_string(stream) if stream is not None else "stderr"
            if target not in ops.CONSOLE_STREAMS:
                self.report(
                    "tensorflow.op.file",
                    f"PrintV2 node {name!r} ({where}) prints to {target!r}",
                    offset=offset,
                    target=target,
                    **evidence,
                )
