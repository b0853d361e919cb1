"""keras_metadata.pb: the Keras layer configs of a SavedModel written by tf.keras.

SavedMetadata (keras saved_metadata.proto): ``nodes = 1``, each a SavedObject with
``node_id = 2``, ``node_path = 3``, ``identifier = 4`` and ``metadata = 5``, the layer's
JSON config. ``tf.keras.models.load_model`` rebuilds layers from these configs, Lambda
layers' marshalled bytecode included, so they get the checks of a Keras config.
"""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.keras.analyzer import MAX_CONFIG_BYTES, report_config
from weightscan.scanner.protobuf.wire import LEN, WireReader, expect
from weightscan.scanner.source import Source


def analyze_keras_metadata(source: Source, ctx: ScanContext) -> None:
    pb = WireReader(source, ctx)
    configs: list[str] = []
    identifiers: set[str] = set()
    total = 0
    for fl in pb.fields(0, source.size):
        if fl.number != 1:
            continue
        expect(fl, LEN, "nodes")
        for sub in pb.fields(fl.start, fl.end):
            if sub.number == 4 and sub.wire == LEN and len(identifiers) < 50:
                identifiers.add(pb.text(sub, 128))
            elif sub.number == 5:
                expect(sub, LEN, "metadata")
                total += sub.value
                if total > MAX_CONFIG_BYTES:
                    ctx.report(
                        "keras.config-invalid",
                        f"layer metadata over {MAX_CONFIG_BYTES} bytes; not checked",
                        evidence={"size": total},
                    )
                    return
                configs.append(pb.text(sub, sub.value).strip() or "null")
    # one JSON list of every layer's config: one bad config makes the whole list invalid,
    # which is reported (a loader would fail or read it differently)
    report_config(ctx, "[" + ",".join(configs) + "]", "keras_metadata.pb")
    ctx.note("keras_metadata", {"nodes": len(configs), "identifiers": sorted(identifiers)})
