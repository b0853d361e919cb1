"""Raw pickle streams (any protocol, several back to back) and joblib files.

``analyze_pickle_file`` is the dispatch entry; ``analyze_pickle_source`` is the reusable
core (legacy torch and npy call it) returning the engine's ``PickleSummary``.
"""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.pickle.encoded_strings import check_encoded_strings
from weightscan.scanner.pickle.engine import Engine
from weightscan.scanner.pickle.import_findings import report_imports
from weightscan.scanner.pickle.joblib_arrays import joblib_build_hook
from weightscan.scanner.pickle.nested import full_reporter
from weightscan.scanner.pickle.pickle_view import plain_unpickler_view
from weightscan.scanner.pickle.summary import PickleSummary
from weightscan.scanner.source import Source


def analyze_pickle_file(source: Source, ctx: ScanContext) -> None:
    engine = new_engine(source, ctx)
    try:
        engine.run_stream()
    finally:  # a time limit still reports the imports seen so far
        summary = engine.summary
        report_imports(summary, ctx)
        if summary.joblib_arrays:
            ctx.set_format("joblib")
        ctx.note("pickle", summary.to_note())
    _report_plain_unpickler_view(source, ctx, 0, engine.summary)
    _report_encoded_strings(source, ctx, 0, engine.summary)


def analyze_pickle_source(
    source: Source, ctx: ScanContext, *, start: int = 0, trailing_ok: bool = False
) -> PickleSummary:
    """Analyse every pickle in ``source`` from ``start``; report findings; return facts."""
    engine = new_engine(source, ctx)
    try:
        engine.run_stream(start, trailing_ok=trailing_ok)
    finally:  # a time limit still reports the imports seen so far
        report_imports(engine.summary, ctx)
    _report_plain_unpickler_view(source, ctx, start, engine.summary)
    _report_encoded_strings(source, ctx, start, engine.summary)
    return engine.summary


def _report_plain_unpickler_view(
    source: Source, ctx: ScanContext, start: int, summary: PickleSummary
) -> None:
    """What a plain unpickler finds in the bytes joblib skips as array data."""
    extra = plain_unpickler_view(source, ctx, start, summary)
    if extra is not None:
        report_imports(extra, ctx)


def _report_encoded_strings(
    source: Source, ctx: ScanContext, start: int, summary: PickleSummary
) -> None:
    """Strings that are base64/hex of a payload, outside the joblib array data, up to the
    last STOP (bytes after it are no string of the pickle, and are reported as trailing
    data; a 50 GB tail would otherwise be read through)."""
    stop = summary.end_offset or source.size
    spans, pos = [], start
    for begin, end in sorted(summary.array_regions):
        if begin > pos:
            spans.append((pos, min(begin, stop)))
        pos = max(pos, end)
    if stop > pos:
        spans.append((pos, stop))
    check_encoded_strings(source, ctx, spans)


def new_engine(source: Source, ctx: ScanContext) -> Engine:
    engine = Engine(source, ctx, reporter=full_reporter(ctx))
    engine.build_hook = joblib_build_hook
    return engine
