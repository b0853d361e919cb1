"""TensorFlow SavedModel (saved_model.pb) and frozen GraphDef (.pb) files.

SavedModel (saved_model.proto): ``schema_version = 1``, ``meta_graphs = 2``.
MetaGraphDef (meta_graph.proto): ``meta_info_def = 1`` (tags 4, tensorflow_version 5),
``graph_def = 2``, ``asset_file_def = 6`` (filename 2); saver, collections, signatures
and the object graph hold names and shapes, nothing that runs, and are skipped.
The variables/ folder holds tensor bytes (see ``checkpoint``).
"""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.model import Severity
from weightscan.scanner.protobuf.paths import PathProblem, check_relative_path
from weightscan.scanner.protobuf.wire import LEN, Field, WireReader, expect
from weightscan.scanner.source import Source
from weightscan.scanner.tensorflow.graph import GraphWalk

_MAX_LISTED = 20


def analyze_saved_model(source: Source, ctx: ScanContext) -> None:
    pb = WireReader(source, ctx)
    walk = GraphWalk(pb, ctx)
    facts: dict[str, list[str]] = {"tags": [], "tensorflow_version": [], "assets": []}
    try:
        for fl in pb.fields(0, source.size):
            if fl.number == 2:
                expect(fl, LEN, "meta_graphs")
                _meta_graph(pb, walk, fl, facts)
    finally:
        _summarise(ctx, walk, meta_graphs=facts)


def analyze_graphdef(source: Source, ctx: ScanContext) -> None:
    pb = WireReader(source, ctx)
    walk = GraphWalk(pb, ctx)
    try:
        walk.graph(0, source.size)
    finally:
        _summarise(ctx, walk)


def _meta_graph(pb: WireReader, walk: GraphWalk, fl: Field, facts: dict[str, list[str]]) -> None:
    for sub in pb.fields(fl.start, fl.end):
        if sub.number == 1:
            expect(sub, LEN, "meta_info_def")
            for info in pb.fields(sub.start, sub.end):
                if info.number in (4, 5) and info.wire == LEN:
                    key = "tags" if info.number == 4 else "tensorflow_version"
                    if len(facts[key]) < _MAX_LISTED:
                        facts[key].append(pb.text(info, 256))
        elif sub.number == 2:
            expect(sub, LEN, "graph_def")
            walk.graph(sub.start, sub.end)
        elif sub.number == 6:
            expect(sub, LEN, "asset_file_def")
            for asset in pb.fields(sub.start, sub.end):
                if asset.number == 2 and asset.wire == LEN:
                    _asset(pb, walk.ctx, asset, facts)


def _asset(pb: WireReader, ctx: ScanContext, fl: Field, facts: dict[str, list[str]]) -> None:
    name = pb.text(fl)
    if len(facts["assets"]) < _MAX_LISTED:
        facts["assets"].append(name)
    check = check_relative_path(name, None)
    if check.problem is PathProblem.ESCAPES:
        ctx.report(
            "tensorflow.asset.path",
            f"asset {name!r}: {check.reason}",
            offset=fl.tag_offset,
            evidence={"asset": name},
        )
    elif check.problem is PathProblem.UNUSUAL:
        ctx.report(
            "tensorflow.asset.path",
            f"asset {name!r}: {check.reason}",
            offset=fl.tag_offset,
            evidence={"asset": name},
            severity=Severity.MEDIUM,
        )


def _summarise(
    ctx: ScanContext, walk: GraphWalk, meta_graphs: dict[str, list[str]] | None = None
) -> None:
    walk.caps.close()
    summary: dict[str, object] = {
        "nodes": walk.stats.nodes,
        "functions": walk.stats.functions,
        "function_nodes": walk.stats.function_nodes,
        "op_types": dict(walk.stats.op_types.most_common(50)),
    }
    if meta_graphs is not None:
        summary.update(meta_graphs)
    ctx.note("tensorflow", summary)
