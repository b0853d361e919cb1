"""Pickles inside pickles: bytes handed to a loads-like call are analysed as well."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from weightscan.scanner.context import ScanContext
from weightscan.scanner.pickle.embedded import MAX_NESTED_DEPTH
from weightscan.scanner.pickle.policy import Decision
from weightscan.scanner.pickle.probe import looks_like_pickle
from weightscan.scanner.pickle.reporting import Reporter
from weightscan.scanner.pickle.values import Call, Global
from weightscan.scanner.source import Source

if TYPE_CHECKING:
    from weightscan.scanner.pickle.engine import Engine

# the spellings of latin-1 that CPython's codec lookup accepts most often; anything else is
# not read as latin-1 (the call is then reported as not analysed)
_LATIN1_NAMES = frozenset(
    {
        "latin1",
        "latin-1",
        "iso-8859-1",
        "iso8859-1",
        "l1",
        "8859",
        "cp819",
        "iso-ir-100",
        "csisolatin1",
        "latin",
    }
)


def payload_bytes(engine: Engine, value: Any) -> Source | None:
    """The bytes a call argument stands for, as a Source (None if not bytes-like)."""
    if (
        isinstance(value, Call)
        and isinstance(value.func, Global)
        and value.func.path == "_codecs.encode"
    ):
        # protocol 2 writes bytes as _codecs.encode(text, "latin1"); any other codec (or
        # none: utf-8) gives the loader other bytes than the latin-1 reading would
        args = value.args
        if not (
            isinstance(args, tuple)
            and len(args) == 2
            and isinstance(args[0], str)
            and _is_latin1(args[1])
        ):
            return None
        value = args[0].encode("latin-1", "replace")
    if isinstance(value, str):
        value = value.encode("latin-1", "replace")
    if not isinstance(value, bytes):
        return None
    offset = getattr(value, "source_offset", None)
    full = getattr(value, "full_length", len(value))
    if offset is not None and full > len(value):
        return engine.source.slice(offset, full, name="nested pickle")
    return Source(io.BytesIO(bytes(value)), name="nested pickle")


def _is_latin1(codec: Any) -> bool:
    return type(codec) is str and codec.lower().replace("_", "-") in _LATIN1_NAMES


def _analyse_file(engine: Engine, source: Source, func: str, index: int) -> bool:
    """Analyse bytes a file loader reads as a file of their own (a member, in the report).

    Whatever stops that analysis (nesting depth, budgets, an unknown format) reports
    itself there, so the verdict never rests on bytes nobody looked at.
    """
    from weightscan.scanner.dispatch import analyze_nested

    analyze_nested(source, engine.ctx, f"{func}@{index}")
    return True


def full_reporter(ctx: ScanContext) -> Reporter:
    """The scan's reporter, with pickles handed to loads-like calls analysed as well."""
    return Reporter(ctx, nested=analyze_nested_payload)


def analyze_nested_payload(engine: Engine, call: Call, offset: int, index: int) -> None:
    args = call.args
    source = payload_bytes(engine, args[0]) if isinstance(args, tuple) and args else None
    func_path = call.func.path if isinstance(call.func, Global) else ""
    site = engine.summary.imports.get(func_path)
    if site is not None and site.classification.decision is Decision.NESTED_FILE:
        # only real bytes (BINBYTES, or protocol 2's _codecs.encode) are what torch.save
        # writes; anything else is not the file the loader would read
        if (
            source is None
            or isinstance(args[0], str)
            or len(args) != 1
            or not _analyse_file(engine, source, func_path, index)
        ):
            site.unanalysed_call = True
        return
    if source is None or not looks_like_pickle(source.head(4096)):
        return
    func = call.func.path if isinstance(call.func, Global) else "?"
    engine.report(
        "pickle.nested-pickle",
        f"{func} deserialises embedded bytes that are a pickle ({source.size} bytes); "
        "its imports are reported too",
        offset,
        index,
        {"callee": func, "bytes": source.size},
    )
    if engine.nested_depth >= MAX_NESTED_DEPTH:
        return
    child = engine.child(source, engine.ctx)
    child.run_stream()
    parent = engine.summary
    for path, site in child.summary.imports.items():
        if path not in parent.imports:
            parent.imports[path] = site
        else:
            mine = parent.imports[path]
            mine.count += site.count
            mine.called = mine.called or site.called
            mine.result_called = mine.result_called or site.result_called
            mine.wraps_denied = mine.wraps_denied or site.wraps_denied
            mine.unanalysed_call = mine.unanalysed_call or site.unanalysed_call
            mine.code.extend(site.code[: max(0, 3 - len(mine.code))])
    for path, count in child.summary.calls.items():
        parent.calls[path] = parent.calls.get(path, 0) + count
    parent.code_arguments.extend(
        child.summary.code_arguments[: max(0, 20 - len(parent.code_arguments))]
    )
    parent.excerpts.extend(child.summary.excerpts[: max(0, 20 - len(parent.excerpts))])
