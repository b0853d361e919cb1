"""msgpack checkpoints (Flax): a bounded structure walk. msgpack itself runs no code;
Flax's hook turns extension types 1-3 into numpy values, so anything else is listed."""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.msgpack_format.walker import FLAX_EXT, walk
from weightscan.scanner.source import Source


def analyze_msgpack(source: Source, ctx: ScanContext) -> None:
    result = walk(source, ctx)
    summary = "{more} more unknown extension values"
    with ctx.capped(ctx.limits.max_archive_findings_per_rule, summary=summary) as report:
        for code, offset in result.unknown_ext:
            report(
                "msgpack.unknown-ext",
                f"extension type {code} is not one Flax writes",
                offset=offset,
                evidence={"code": code},
            )
    ctx.note(
        "msgpack",
        {
            "items": result.items,
            "top_keys": result.top_keys,
            "extensions": {FLAX_EXT.get(c, str(c)): n for c, n in result.ext.most_common(10)},
        },
    )
