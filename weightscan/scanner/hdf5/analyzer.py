"""HDF5 files: the root group's attributes, and the Keras model config among them.

Keras 2 and tf.keras (and Keras 3's legacy loader) rebuild a model from the root
attributes ``model_config`` and ``training_config``; everything else in the file is
datasets of weights, which are data and are never read here.
"""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.hdf5.reader import read_root_attributes
from weightscan.scanner.keras.analyzer import report_config
from weightscan.scanner.source import Source

CONFIG_ATTRIBUTES = ("model_config", "training_config")
_FACTS = ("keras_version", "backend")


def analyze_hdf5(source: Source, ctx: ScanContext) -> None:
    root = read_root_attributes(source)  # MalformedInput -> format.malformed
    for what in dict.fromkeys(root.unread):
        ctx.report("hdf5.unread", f"root group: {what} was not read", evidence={"part": what})
    for name in CONFIG_ATTRIBUTES:
        for attr in (a for a in root.attributes if a.name == name):
            if attr.value is None:
                ctx.report(
                    "hdf5.unread",
                    f"attribute {name!r} is not a readable string "
                    f"({attr.kind}); the model config was not checked",
                    offset=attr.offset,
                    evidence={"attribute": name, "kind": attr.kind},
                )
            else:
                report_config(ctx, attr.value, name)
    facts = {
        a.name: a.value[:64] for a in root.attributes if a.name in _FACTS and a.value is not None
    }
    ctx.note(
        "hdf5",
        {
            "superblock_version": root.superblock_version,
            "root_attributes": [a.name[:64] for a in root.attributes[:50]],
            "keras_model": root.get("model_config") is not None,
            **facts,
        },
    )
