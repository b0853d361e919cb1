"""Is a file of no format the external data of an ONNX model next to it?

External data files are raw tensor bytes: nothing in them has a format to sniff, and
loaders only copy byte ranges out of them into tensors. A file is claimed as such data
when an ONNX model in its folder (or up to two folders above) names it with a location
that passes the path checks. The models are found by the ``.onnx`` suffix: a model that
is missed only leaves the data file unrecognised, which is never clean.
"""

from __future__ import annotations

import functools
import os

from weightscan.scanner.context import ScanContext
from weightscan.scanner.errors import ScannerError
from weightscan.scanner.formats import Format
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.protobuf.paths import PathProblem
from weightscan.scanner.protobuf.sniff import model_protobuf_format
from weightscan.scanner.source import Source

_LEVELS = 3  # the data file's folder and two above
_MAX_MODELS = 64  # candidate models looked at per folder
_MAX_MODEL_BYTES = 2 << 30  # protobuf cannot load larger messages anyway


def onnx_model_using(data_path: str) -> str | None:
    """The ONNX model next to ``data_path`` that reads it as external data, if any."""
    target = os.path.realpath(data_path)
    folder = os.path.dirname(target)
    for _ in range(_LEVELS):
        for model in _candidate_models(folder):
            try:
                st = os.stat(model)
            except OSError:
                continue
            if target in _clean_external_targets(model, st.st_mtime_ns, st.st_size):
                return model
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return None


def _candidate_models(folder: str) -> list[str]:
    try:
        names = sorted(n for n in os.listdir(folder) if n.lower().endswith(".onnx"))
    except OSError:
        return []
    return [os.path.join(folder, n) for n in names[:_MAX_MODELS]]


@functools.lru_cache(maxsize=256)
def _clean_external_targets(model: str, _mtime_ns: int, size: int) -> frozenset[str]:
    """Resolved files the model reads as external data through unobjectionable paths."""
    from weightscan.scanner.onnx.analyzer import walk_external_data

    if size > _MAX_MODEL_BYTES or not os.path.isfile(model):
        return frozenset()
    with open(model, "rb") as fh:
        source = Source(fh)
        if model_protobuf_format(source) is not Format.ONNX:
            return frozenset()
        try:
            checks = walk_external_data(source, ScanContext.for_file(DEFAULT_LIMITS))
        except ScannerError:  # a broken model claims nothing; its own scan reports it
            return frozenset()
    return frozenset(c.target for c in checks if c.problem is PathProblem.NONE and c.target)


def claim_external_data(source: Source, ctx: ScanContext) -> bool:
    """Report ``source`` as ONNX external data when a model next to it says so."""
    path = source.disk_path if ctx.member is None else None
    model = onnx_model_using(path) if path else None
    if model is None:
        return False
    ctx.set_format(Format.TENSOR_DATA.value)
    ctx.report(
        "onnx.external-data.file",
        "raw tensor bytes that an ONNX model next to it reads as external data",
        evidence={"model": os.path.basename(model), "size": source.size},
    )
    return True
