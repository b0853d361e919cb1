"""UBJSON models (XGBoost ``.ubj``): data only, so a complete walk is the whole analysis;
anything that does not parse is reported by the dispatcher as malformed."""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.source import Source
from weightscan.scanner.ubjson.walker import walk


def analyze_ubjson(source: Source, ctx: ScanContext) -> None:
    result = walk(source, ctx)
    ctx.note("ubjson", {"items": result.items, "top_keys": result.top_keys})
