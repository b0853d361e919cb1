"""A bounded walk of a CoreML model spec (Model.proto, NeuralNetwork.proto).

Model: specificationVersion 1, description 2, then one type field: pipelines (200-202,
whose Pipeline holds models in field 1), neural networks (303, 403, 500: layers in field
1), customModel 555 (className 10), linkedModel 556, serializedModel 3000, and the
built-in model kinds. A NeuralNetworkLayer is custom in field 500 (className 10); branch
(605: networks 1, 2) and loop (615: networks 3, 4) layers hold networks of their own.
Weights, descriptions and ML programs (502) are skipped: none of them names code.
"""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.errors import LimitExceeded
from weightscan.scanner.model import Severity
from weightscan.scanner.protobuf.paths import PathProblem, check_relative_path
from weightscan.scanner.protobuf.wire import LEN, Field, WireReader, expect
from weightscan.scanner.source import Source

_PIPELINES = frozenset({200, 201, 202})
_NETWORKS = frozenset({303, 403, 500})
_CUSTOM_MODEL, _LINKED_MODEL, _SERIALIZED = 555, 556, 3000
_CUSTOM_LAYER, _BRANCH, _LOOP = 500, 605, 615
MAX_DEPTH = 16  # pipelines in pipelines, networks in branch and loop layers
_MAX_LISTED = 50
_TYPE_NAMES = {
    200: "pipelineClassifier",
    201: "pipelineRegressor",
    202: "pipeline",
    303: "neuralNetworkRegressor",
    403: "neuralNetworkClassifier",
    500: "neuralNetwork",
    502: "mlProgram",
    555: "customModel",
    556: "linkedModel",
    3000: "serializedModel",
}


def analyze_coreml(source: Source, ctx: ScanContext) -> None:
    walk = _Walk(WireReader(source, ctx), ctx)
    try:
        walk.model(0, source.size, 0)
    finally:
        walk.finish()


class _Walk:
    def __init__(self, pb: WireReader, ctx: ScanContext) -> None:
        self.pb, self.ctx = pb, ctx
        self.spec_version: int | None = None
        self.types: list[str] = []
        self.layers = 0
        self.custom: dict[str, set[str]] = {"layer": set(), "model": set()}

    def model(self, start: int, end: int, depth: int) -> None:
        self._depth(depth, start)
        for fl in self.pb.fields(start, end):
            n = fl.number
            if n == 1 and depth == 0:
                self.spec_version = fl.signed
            if n < 200:
                continue
            expect(fl, LEN, "model type")
            if len(self.types) < _MAX_LISTED:
                self.types.append(_TYPE_NAMES.get(n, str(n)))
            if n in _PIPELINES:
                self.pipeline(fl, n, depth)
            elif n in _NETWORKS:
                self.network(fl, depth)
            elif n == _CUSTOM_MODEL:
                self.class_name(fl, "model")
            elif n == _LINKED_MODEL:
                self.linked(fl)
            elif n == _SERIALIZED:
                self.ctx.report(
                    "coreml.serialized-model",
                    "the model wraps a private serialized model weightscan cannot read",
                    offset=fl.tag_offset,
                    evidence={"bytes": fl.value},
                )

    def _depth(self, depth: int, offset: int) -> None:
        if depth > MAX_DEPTH:
            raise LimitExceeded("CoreML model nesting", MAX_DEPTH, offset=offset)

    def pipeline(self, fl: Field, kind: int, depth: int) -> None:
        if kind != 202:  # PipelineClassifier / PipelineRegressor wrap a Pipeline (field 1)
            for sub in self.pb.fields(fl.start, fl.end):
                if sub.number == 1:
                    expect(sub, LEN, "pipeline")
                    self.pipeline(sub, 202, depth)
            return
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number == 1:
                expect(sub, LEN, "pipeline model")
                self.model(sub.start, sub.end, depth + 1)

    def network(self, fl: Field, depth: int) -> None:
        self._depth(depth, fl.tag_offset)
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number == 1:
                expect(sub, LEN, "layer")
                self.layer(sub, depth)

    def layer(self, fl: Field, depth: int) -> None:
        self.layers += 1
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number == _CUSTOM_LAYER:
                expect(sub, LEN, "custom layer")
                self.class_name(sub, "layer")
            elif sub.number in (_BRANCH, _LOOP):
                expect(sub, LEN, "control-flow layer")
                inner = (1, 2) if sub.number == _BRANCH else (3, 4)
                for part in self.pb.fields(sub.start, sub.end):
                    if part.number in inner:
                        expect(part, LEN, "nested network")
                        self.network(part, depth + 1)

    def class_name(self, fl: Field, kind: str) -> None:
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number == 10 and sub.wire == LEN and len(self.custom[kind]) < _MAX_LISTED:
                self.custom[kind].add(self.pb.text(sub, 256))

    def _string_parameter(self, fl: Field) -> str:
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number == 1 and sub.wire == LEN:  # StringParameter.defaultValue
                return self.pb.text(sub)
        return ""

    def linked(self, fl: Field) -> None:
        for sub in self.pb.fields(fl.start, fl.end):
            if sub.number != 1:
                continue
            expect(sub, LEN, "linkedModelFile")
            name = search = ""
            for part in self.pb.fields(sub.start, sub.end):
                if part.number in (1, 2):
                    expect(part, LEN, "linked model path")
                    value = self._string_parameter(part)
                    name, search = (value, search) if part.number == 1 else (name, value)
            outside = [
                p
                for p in [name, *search.split(":")]
                if p
                and not p.startswith("$")
                and check_relative_path(p, None).problem is not PathProblem.NONE
            ]
            self.ctx.report(
                "coreml.linked-model",
                f"links the compiled model {name!r} (search path {search!r})",
                offset=sub.tag_offset,
                severity=Severity.MEDIUM if outside else None,
                evidence={"file": name, "search_path": search, "outside_folder": outside},
            )

    def finish(self) -> None:
        for kind, names in self.custom.items():
            if names:
                listed = sorted(names)
                self.ctx.report(
                    "coreml.custom-code",
                    f"custom {kind} classes the application must implement: {', '.join(listed)}",
                    evidence={"kind": kind, "classes": listed},
                )
        self.ctx.note(
            "coreml",
            {
                "specification_version": self.spec_version,
                "types": self.types,
                "layers": self.layers,
            },
        )
