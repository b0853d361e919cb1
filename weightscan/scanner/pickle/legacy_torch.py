"""Legacy ``torch.save(..., _use_new_zipfile_serialization=False)`` files.

Layout (torch/serialization.py ``_legacy_save``): five pickles back to back - the magic
number 0x1950a86a20f9469cfc6c, the protocol version (1001), a ``sys_info`` dict, the
object itself (whose persistent ids ``('storage', storage_type, key, location, numel)``
name its storages), and the sorted list of storage keys - then, per key in that order,
an 8-byte little-endian element count followed by count * element_size raw bytes.
"""

from __future__ import annotations

import struct
from typing import Any

from weightscan.scanner.context import ScanContext
from weightscan.scanner.pickle.analyzer import new_engine
from weightscan.scanner.pickle.encoded_strings import check_encoded_strings
from weightscan.scanner.pickle.engine import Engine
from weightscan.scanner.pickle.import_findings import report_imports
from weightscan.scanner.pickle.render import render_value
from weightscan.scanner.pickle.values import Container, Global
from weightscan.scanner.source import Source

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
_LAYOUT = "pickle.legacy-torch.layout"

ELEMENT_SIZE = {
    "Double": 8,
    "Float": 4,
    "Half": 2,
    "BFloat16": 2,
    "Long": 8,
    "Int": 4,
    "Short": 2,
    "Char": 1,
    "Byte": 1,
    "Bool": 1,
    "ComplexDouble": 16,
    "ComplexFloat": 8,
    "QInt8": 1,
    "QUInt8": 1,
    "QInt32": 4,
    "QUInt4x2": 1,
    "QUInt2x4": 1,
    "Untyped": 1,
}


def analyze_legacy_torch(source: Source, ctx: ScanContext) -> None:
    engine = new_engine(source, ctx)
    try:
        end = _read_pickles(engine, source, ctx)
    finally:
        report_imports(engine.summary, ctx)
        summary = engine.summary
        if not summary.weights_only_loadable:
            ctx.report(
                "pickle.torch.weights-only-incompatible",
                "PyTorch's weights-only loader would refuse this file",
                evidence={
                    "imports": [p for p, s in summary.imports.items() if not s.weights_only][:20]
                },
            )
        ctx.note("pickle", summary.to_note())
    check_encoded_strings(source, ctx, [(0, end)])  # the pickles, not the storage bytes


def _read_pickles(engine: Engine, source: Source, ctx: ScanContext) -> int:
    """Analyse the five pickles (and check the storages after them); returns where the
    pickles end."""
    pos = 0
    values: list[Any] = []
    ids_before_object = 0
    for i in range(5):
        if i == 3:
            ids_before_object = len(engine.summary.persistent_ids)
        ok, value, end = engine.run_at(pos)
        if not ok:
            return end
        pos = end
        values.append(value)
        if i == 0 and value != MAGIC_NUMBER:
            ctx.report(
                _LAYOUT,
                "the first pickle is not torch's magic number",
                offset=0,
                evidence={"value": render_value(value, 4)[:80]},
            )
            engine.run_stream(pos)
            return source.size
        if i == 1 and value != PROTOCOL_VERSION:
            ctx.report(
                _LAYOUT,
                f"unexpected legacy protocol version {render_value(value, 4)[:80]}",
                offset=0,
            )
    pids = engine.summary.persistent_ids[ids_before_object:]
    _check_storages(source, ctx, pos, pids, values[4])
    return pos


def _check_storages(
    source: Source, ctx: ScanContext, pos: int, pids: list[Any], keys_value: Any
) -> None:
    storages: dict[str, tuple[int, int]] = {}  # key -> (numel, element size)
    for pid in pids:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            ctx.report(
                _LAYOUT,
                "a persistent id that is not a storage reference",
                evidence={"pid": render_value(pid, 4)[:200]},
            )
            return
        storage_type, key, numel = pid[1], pid[2], pid[4]
        size = _element_size(storage_type)
        if not isinstance(key, str) or type(numel) is not int or numel < 0 or size is None:
            ctx.report(
                _LAYOUT,
                "a storage reference with an unknown type, key or size",
                evidence={"pid": render_value(pid, 4)[:200]},
            )
            return
        storages[key] = (numel, size)
    if not isinstance(keys_value, Container) or keys_value.kind != "list":
        ctx.report(_LAYOUT, "the storage-keys pickle is not a list", offset=pos)
        return
    order = sorted(storages)
    kept = [k for k in keys_value.items]
    if keys_value.length != len(order) or kept != order[: len(kept)]:
        ctx.report(
            _LAYOUT,
            "the storage-keys list does not match the storages the object uses",
            offset=pos,
            evidence={"listed": keys_value.length, "used": len(order)},
        )
        return
    for key in order:
        numel, size = storages[key]
        head = source.read_at(pos, 8)
        if len(head) < 8:
            ctx.report(_LAYOUT, f"storage {key[:40]} is missing", offset=pos)
            return
        (count,) = struct.unpack("<q", head)
        nbytes = count * size
        if count != numel:
            ctx.report(
                _LAYOUT,
                f"storage {key[:40]} holds {count} elements, its reference says {numel}",
                offset=pos,
            )
        if count < 0 or pos + 8 + nbytes > source.size:
            ctx.report(
                _LAYOUT,
                f"storage {key[:40]} runs past the end of the file",
                offset=pos,
                evidence={"declared": nbytes},
            )
            return
        pos += 8 + nbytes
    if pos != source.size:
        ctx.report(
            _LAYOUT,
            f"{source.size - pos} bytes after the last storage are unexplained",
            offset=pos,
            evidence={"bytes": source.size - pos},
        )


def _element_size(storage_type: Any) -> int | None:
    if not isinstance(storage_type, Global):
        return None
    name = storage_type.name
    if name == "UntypedStorage":
        return 1
    if name.endswith("Storage"):
        return ELEMENT_SIZE.get(name[: -len("Storage")])
    return None
