"""The ``storages`` and ``tensors`` members of torch's pre-zip tar format.

torch.load (``legacy_load`` in torch/serialization.py) reads them as pickles interleaved
with raw records: ``storages`` is a count, then per storage a ``(key, location, type)``
pickle, an 8-byte element count and that many elements, then a list of views;
``tensors`` is a count, then per tensor a ``(key, storage id, type)`` pickle, an int32
rank, 4 skipped bytes, rank sizes, rank strides and an offset (int64 each). Every pickle
is analysed; the raw records are skipped by the sizes torch reads.
"""

from __future__ import annotations

import struct
from typing import Any

from weightscan.scanner.context import ScanContext
from weightscan.scanner.pickle.analyzer import new_engine
from weightscan.scanner.pickle.engine import Engine
from weightscan.scanner.pickle.import_findings import report_imports
from weightscan.scanner.pickle.legacy_torch import _element_size
from weightscan.scanner.source import Source

MEMBERS = frozenset({"storages", "tensors"})
LOADED = MEMBERS | {"pickle"}  # the members torch.load's tar reader extracts
_LAYOUT = "pickle.legacy-torch.layout"
_MAX_RECORDS = 1_000_000


def analyze_torch_tar_member(source: Source, ctx: ScanContext, name: str) -> None:
    engine = new_engine(source, ctx)
    try:
        ok, count, pos = engine.run_at(0)
        if not ok:
            return
        if type(count) is not int or not 0 <= count <= _MAX_RECORDS:
            _broken(engine, ctx, pos, f"{name}: the record count is {str(count)[:40]}")
            return
        record = _storage_record if name == "storages" else _tensor_record
        for _ in range(count):
            ctx.check_time()
            ok, args, pos = engine.run_at(pos)
            if not ok:
                return
            end = record(source, pos, args)
            if end is None or end > source.size:
                _broken(
                    engine,
                    ctx,
                    pos,
                    f"{name}: a record torch cannot read follows its header pickle",
                )
                return
            pos = end
        if name == "storages" and pos < source.size:  # the list of storage views
            ok, _, pos = engine.run_at(pos)
            if not ok:
                return
        if pos < source.size:
            _broken(
                engine,
                ctx,
                pos,
                f"{name}: {source.size - pos} bytes after the last record are unexplained",
            )
    finally:
        report_imports(engine.summary, ctx)
        ctx.note("pickle", engine.summary.to_note())


def _storage_record(source: Source, pos: int, args: Any) -> int | None:
    """After ``(key, location, storage type)``: an int64 element count, then the elements."""
    size = _element_size(args[2]) if isinstance(args, tuple) and len(args) == 3 else None
    head = source.read_at(pos, 8)
    if size is None or len(head) < 8:
        return None
    (numel,) = struct.unpack("<q", head)
    return None if numel < 0 else pos + 8 + numel * size


def _tensor_record(source: Source, pos: int, args: Any) -> int | None:
    """After ``(key, storage id, type)``: int32 rank, 4 bytes, sizes, strides, offset."""
    head = source.read_at(pos, 4)
    if not (isinstance(args, tuple) and len(args) == 3) or len(head) < 4:
        return None
    (rank,) = struct.unpack("<i", head)
    # torch reads any rank (the record's end is checked against the file by the caller)
    return None if rank < 0 else pos + 8 + 16 * rank + 8


def _broken(engine: Engine, ctx: ScanContext, pos: int, message: str) -> None:
    """Fail closed: say so, and analyse whatever follows as pickles, as a loader might."""
    ctx.report(_LAYOUT, message, offset=pos)
    engine.run_stream(pos, trailing_ok=True)
