"""A bounded walk of an ONNX ModelProto (field numbers from onnx.proto).

What is walked: the graph (nodes, their attributes' tensors and subgraphs, initializers,
sparse initializers), training graphs, local functions, opset imports and metadata keys.
What is checked: every tensor's declared size against its ``raw_data`` length or its
external byte range, and every external-data location (it must stay inside the model's
folder; when the model was opened from a folder on disk the path is resolved there, so
symlinks count). What is never read: tensor bytes, doc strings, type information.

A singular message that appears twice is merged by protobuf parsers, so every
occurrence of ``graph`` is walked; a scalar that appears twice keeps its last value.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from weightscan.scanner.context import ScanContext
from weightscan.scanner.errors import LimitExceeded, MalformedInput
from weightscan.scanner.onnx.external import (
    ExternalFiles,
    ExternalRef,
    location_problem,
    range_problem,
)
from weightscan.scanner.onnx.tensors import (
    FIXED_WIDTH,
    STRING,
    VALUE_FIELDS,
    expected_bytes,
    values_problem,
)
from weightscan.scanner.protobuf.paths import PathCheck
from weightscan.scanner.protobuf.wire import LEN, VARINT, Field, WireReader, expect
from weightscan.scanner.source import Source

STANDARD_DOMAINS = frozenset(
    {"", "ai.onnx", "ai.onnx.ml", "com.microsoft", "ai.onnx.training", "ai.onnx.preview.training"}
)
MAX_GRAPH_DEPTH = 32  # If/Loop/Scan bodies inside bodies; real models nest a few levels
_MAX_DIMS = 1024
_LOW_BYTES = bytes(range(0x80))  # the last byte of a varint
_MAX_NESTED_VALUES = 8  # sequences of sequences in a saved value
_MAX_OP_TYPES = 500
_MAX_LISTED = 20
_KEEP = 256  # bytes kept of a name or a string value


@dataclass
class _Tensor:
    name: str = ""
    dims: list[int] = field(default_factory=list)
    data_type: int = 0
    raw_len: int | None = None
    external: ExternalRef | None = None
    external_location: bool = False  # data_location == EXTERNAL
    offset: int = 0


@dataclass
class _Stats:
    ir_version: int | None = None
    producer: str = ""
    producer_version: str = ""
    opsets: dict[str, int] = field(default_factory=dict)
    nodes: int = 0
    initializers: int = 0
    graphs: int = 0
    functions: set[tuple[str, str]] = field(default_factory=set)
    op_types: Counter[str] = field(default_factory=Counter)
    domain_ops: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    metadata_keys: list[str] = field(default_factory=list)
    unknown_fields: int = 0


def analyze_onnx(source: Source, ctx: ScanContext) -> None:
    """Walk an ONNX model, report what a loader would do with it, and summarise it."""
    walk = _Walk(source, ctx)
    try:
        walk.model()
    finally:
        walk.finish()


def analyze_onnx_tensor(source: Source, ctx: ScanContext) -> None:
    """A TensorProto saved alone (onnx.save_tensor): the same checks as an initializer."""
    walk = _Walk(source, ctx)
    with walk.caps:
        walk.tensor(Field(0, LEN, source.size, 0, 0))
        walk.tensor_values(source.size)
    ctx.note("onnx_tensor", {"bytes": source.size})


def walk_external_data(source: Source, ctx: ScanContext) -> list[PathCheck]:
    """The path checks of every external-data location of a model (for its data files)."""
    walk = _Walk(source, ctx)
    walk.model()
    return walk.files.checks


class _Walk:
    def __init__(self, source: Source, ctx: ScanContext) -> None:
        self.ctx = ctx
        self.pb = WireReader(source, ctx)
        path = source.disk_path if ctx.member is None else None
        self.files = ExternalFiles(os.path.dirname(os.path.abspath(path)) if path else None)
        self.stats = _Stats()
        self.caps = ctx.capped(ctx.limits.max_findings_per_rule)

    def report(self, rule_id: str, message: str, *, offset: int | None, **evidence: Any) -> None:
        self.caps(rule_id, message, offset=offset, evidence=evidence)

    # -- ModelProto -------------------------------------------------------------------------
    def model(self) -> None:
        st = self.stats
        for fl in self.pb.fields(0, self.pb.source.size):
            n = fl.number
            if n == 1:
                expect(fl, VARINT, "ir_version")
                st.ir_version = fl.signed
            elif n in (2, 3):
                expect(fl, LEN, "producer")
                if n == 2:
                    st.producer = self.pb.text(fl, _KEEP)
                else:
                    st.producer_version = self.pb.text(fl, _KEEP)
            elif n == 7:
                expect(fl, LEN, "graph")
                self.graph(fl, 0)
            elif n == 8:
                expect(fl, LEN, "opset_import")
                self.opset(fl)
            elif n == 14:
                expect(fl, LEN, "metadata_props")
                self.metadata(fl)
            elif n == 20:
                expect(fl, LEN, "training_info")
                for sub in self.pb.fields(fl.start, fl.end):
                    if sub.number in (1, 2):  # initialization, algorithm graphs
                        expect(sub, LEN, "training graph")
                        self.graph(sub, 1)
            elif n == 25:
                expect(fl, LEN, "functions")
                self.function(fl)
            elif n not in (4, 5, 6, 26):  # domain, model_version, doc_string, configuration
                st.unknown_fields += 1

    def opset(self, fl: Field) -> None:
        domain, version = "", 0
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number == 1 and sub.wire == LEN:
                domain = self.pb.text(sub, _KEEP)
            elif sub.number == 2 and sub.wire == VARINT:
                version = sub.signed
        if len(self.stats.opsets) < 1000:
            self.stats.opsets[domain] = version

    def metadata(self, fl: Field) -> None:
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number == 1 and sub.wire == LEN and len(self.stats.metadata_keys) < _MAX_LISTED:
                self.stats.metadata_keys.append(self.pb.text(sub, _KEEP))

    # -- GraphProto, NodeProto, AttributeProto, FunctionProto --------------------------------
    def graph(self, fl: Field, depth: int) -> None:
        if depth > MAX_GRAPH_DEPTH:
            raise LimitExceeded("ONNX subgraph nesting", MAX_GRAPH_DEPTH, offset=fl.tag_offset)
        self.stats.graphs += 1
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number == 1:
                expect(sub, LEN, "node")
                self.node(sub, depth)
            elif sub.number == 5:
                expect(sub, LEN, "initializer")
                self.stats.initializers += 1
                self.tensor(sub)
            elif sub.number == 15:
                expect(sub, LEN, "sparse_initializer")
                self.stats.initializers += 1
                self.sparse_tensor(sub)

    def node(self, fl: Field, depth: int, *, in_function: bool = False) -> None:
        op_type, domain = "", ""
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number == 4:
                expect(sub, LEN, "op_type")
                op_type = self.pb.text(sub, _KEEP)
            elif sub.number == 7:
                expect(sub, LEN, "domain")
                domain = self.pb.text(sub, _KEEP)
            elif sub.number == 5:
                expect(sub, LEN, "attribute")
                self.attribute(sub, depth)
        st = self.stats
        if not in_function:
            st.nodes += 1
        if op_type in st.op_types or len(st.op_types) < _MAX_OP_TYPES:
            st.op_types[op_type] += 1
        if domain not in STANDARD_DOMAINS and (
            domain in st.domain_ops or len(st.domain_ops) < _MAX_OP_TYPES
        ):
            st.domain_ops[domain][op_type] += 1

    def attribute(self, fl: Field, depth: int) -> None:
        for sub in self.pb.fields(fl.start, fl.end):
            n = sub.number
            if n in (5, 10):  # t, tensors
                expect(sub, LEN, "attribute tensor")
                self.tensor(sub)
            elif n in (6, 11):  # g, graphs
                expect(sub, LEN, "attribute graph")
                self.graph(sub, depth + 1)
            elif n in (22, 23):  # sparse_tensor, sparse_tensors
                expect(sub, LEN, "attribute sparse tensor")
                self.sparse_tensor(sub)

    def function(self, fl: Field) -> None:
        name, domain = "", ""
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number == 1:
                expect(sub, LEN, "function name")
                name = self.pb.text(sub, _KEEP)
            elif sub.number == 10:
                expect(sub, LEN, "function domain")
                domain = self.pb.text(sub, _KEEP)
            elif sub.number == 7:
                expect(sub, LEN, "function node")
                self.node(sub, 1, in_function=True)
            elif sub.number == 11:
                expect(sub, LEN, "function attribute")
                self.attribute(sub, 1)
        if len(self.stats.functions) < 100_000:
            self.stats.functions.add((domain, name))

    # -- TensorProto --------------------------------------------------------------------------
    def sparse_tensor(self, fl: Field) -> None:
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number in (1, 2):  # values, indices
                expect(sub, LEN, "sparse tensor part")
                self.tensor(sub)

    def tensor(self, fl: Field) -> None:
        t = _Tensor(offset=fl.tag_offset)
        for sub in self.pb.fields(fl.start, fl.end):
            n = sub.number
            if n == 1:
                room = _MAX_DIMS - len(t.dims)
                t.dims.extend(self.pb.packed_varints(sub, room + 1))
            elif n == 2:
                expect(sub, VARINT, "data_type")
                t.data_type = sub.signed
            elif n == 8:
                expect(sub, LEN, "tensor name")
                t.name = self.pb.text(sub, _KEEP)
            elif n == 9:
                expect(sub, LEN, "raw_data")
                t.raw_len = sub.value  # the bytes themselves are skipped
            elif n == 13:
                expect(sub, LEN, "external_data")
                self.external_entry(sub, t)
            elif n == 14:
                expect(sub, VARINT, "data_location")
                t.external_location = sub.value == 1
        self.check_tensor(t)

    def tensor_values(self, size: int) -> None:
        """A tensor saved alone: its typed values must be what its type and shape say
        (a file that only looks like a TensorProto to the sniffer fails here). The backend
        test data also saves SequenceProto and OptionalProto messages of tensors, whose
        fields share numbers and wire types with TensorProto's: those are accepted when
        every tensor inside them passes the same check."""
        problem = self._tensor_problem(0, size)
        if problem is not None and not self._holds_tensors(0, size, 0):
            self.report("onnx.tensor.size", f"tensor saved alone: {problem}", offset=0)

    def _tensor_problem(self, start: int, end: int) -> str | None:
        dims: list[int] = []
        data_type, raw, external = 0, False, False
        values: Counter[int] = Counter()
        for sub in self.pb.fields(start, end):
            n = sub.number
            if n == 1:
                dims.extend(self.pb.packed_varints(sub, _MAX_DIMS + 1))
            elif n == 2:
                data_type = sub.signed
            elif n == 9:
                raw = True
            elif n in (13, 14):
                external = external or n == 13 or sub.value == 1
            elif n in FIXED_WIDTH:
                values[n] += sub.value // FIXED_WIDTH[n]
            elif n == 6:
                values[n] += 1
            elif n in VALUE_FIELDS:
                values[n] += 1 if sub.wire == VARINT else _count_varints(self.pb.source, sub)
        if len(dims) > _MAX_DIMS or external:
            return None  # reported by check_tensor / the external data checks
        return values_problem(data_type, dims, dict(values), raw)

    def _holds_tensors(self, start: int, end: int, depth: int) -> bool:
        """A SequenceProto / OptionalProto (onnx-ml.proto: name 1, elem_type 2, tensors 3,
        sequences 5, optionals 7) whose every element is a checked tensor or such a message.
        Sparse tensors and maps are not modelled: they stay reported."""
        expected = {1: 3, 3: 5, 5: 7}  # elem_type -> the field holding its elements
        try:
            fields = list(self.pb.fields(start, end))
            types = [fl.value for fl in fields if fl.number == 2 and fl.wire == VARINT]
            element = expected.get(types[-1], 0) if types else 0
            for fl in fields:
                if fl.number == 1 and fl.wire == LEN:
                    continue
                if fl.number == 2 and fl.wire == VARINT and fl.value in (0, 1, 3, 5):
                    continue
                if fl.wire != LEN or fl.number != element or depth >= _MAX_NESTED_VALUES:
                    return False
                ok = (
                    self._tensor_problem(fl.start, fl.end) is None
                    if element == 3
                    else self._holds_tensors(fl.start, fl.end, depth + 1)
                )
                if not ok:
                    return False
        except MalformedInput:
            return False
        return True

    def external_entry(self, fl: Field, t: _Tensor) -> None:
        key: str | None = None
        value: Field | None = None
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number == 1 and sub.wire == LEN:
                key = self.pb.text(sub, 64)
            elif sub.number == 2 and sub.wire == LEN:
                value = sub
        if t.external is None:
            t.external = ExternalRef()
        if value is None:
            return
        text = self.pb.text(value, 4096)
        if key == "location":
            if len(t.external.locations) < 16:
                t.external.locations.append(text)
        elif key == "offset":
            t.external.offset = text
        elif key == "length":
            t.external.length = text

    def check_tensor(self, t: _Tensor) -> None:
        if len(t.dims) > _MAX_DIMS:
            self.report(
                "onnx.tensor.size",
                f"tensor {t.name!r} has more than {_MAX_DIMS} dimensions",
                offset=t.offset,
                tensor=t.name,
            )
            return
        expected = expected_bytes(t.data_type, t.dims)
        if t.raw_len is not None and t.data_type != STRING and expected != t.raw_len:
            why = (
                "an unknown data type or a negative dimension"
                if expected is None
                else f"shape and type need {expected} bytes"
            )
            self.report(
                "onnx.tensor.size",
                f"tensor {t.name!r} holds {t.raw_len} raw bytes; {why}",
                offset=t.offset,
                tensor=t.name,
                raw_bytes=t.raw_len,
                expected=expected,
                dims=t.dims[:16],
                data_type=t.data_type,
            )
        if t.external is None and not t.external_location:
            return
        ref = t.external or ExternalRef()
        if not ref.locations:
            self.report(
                "onnx.external-data.unusual",
                f"tensor {t.name!r} has external data without a location",
                offset=t.offset,
                tensor=t.name,
            )
            return
        size: int | None = None
        for location in ref.locations:
            check = self.files.check(location)
            problem = location_problem(location, check)
            if problem is not None:
                self.report(
                    problem.rule_id,
                    f"tensor {t.name!r}: {problem.reason}",
                    offset=t.offset,
                    tensor=t.name,
                    location=location,
                    resolved=check.target,
                )
            size = check.size
        lie = range_problem(ref, expected, size)
        if lie is not None:
            self.report(
                "onnx.tensor.size",
                f"tensor {t.name!r} external data: {lie}",
                offset=t.offset,
                tensor=t.name,
                location=ref.location,
                offset_value=ref.offset,
                length=ref.length,
                expected=expected,
            )

    # -- the end --------------------------------------------------------------------------------
    def finish(self) -> None:
        st = self.stats
        for domain, ops in sorted(st.domain_ops.items()):
            custom = sorted(op for op in ops if (domain, op) not in st.functions)
            if custom:
                self.ctx.report(
                    "onnx.domain.custom",
                    f"operators of custom domain {domain!r} run only with a library the "
                    f"application registers: {', '.join(custom[:_MAX_LISTED])}",
                    evidence={
                        "domain": domain,
                        "op_types": custom[:_MAX_LISTED],
                        "nodes": sum(ops[op] for op in custom),
                    },
                )
        self.caps.close()
        self.ctx.note(
            "onnx",
            {
                "ir_version": st.ir_version,
                "producer": st.producer,
                "producer_version": st.producer_version,
                "opset_import": dict(list(st.opsets.items())[:_MAX_LISTED]),
                "graphs": st.graphs,
                "nodes": st.nodes,
                "initializers": st.initializers,
                "functions": len(st.functions),
                "op_types": dict(st.op_types.most_common(50)),
                "external_data": self.files.locations[:_MAX_LISTED],
                "metadata_keys": st.metadata_keys,
                "unknown_fields": st.unknown_fields,
            },
        )


def _count_varints(source: Source, fl: Field) -> int:
    """Values in a packed varint field: each ends at a byte below 0x80 (read in chunks,
    never listed). A last byte that continues is a broken list: -1 never matches."""
    count, pos, last = 0, fl.start, 0
    while pos < fl.end:
        chunk = source.read_at(pos, min(1 << 20, fl.end - pos))
        if not chunk:
            return -1
        count += len(chunk) - len(chunk.translate(None, _LOW_BYTES))
        last, pos = chunk[-1], pos + len(chunk)
    return -1 if last >= 0x80 else count
