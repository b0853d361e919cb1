"""msgpack checkpoints (Flax): a bounded structure walk. msgpack itself runs no code;
Flax's hook turns extension types 1-3 into numpy values, so anything else is listed."""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.msgpack_format.walker import FLAX_EXT, walk
from weightscan.scanner.source import Source

_PER_FILE = 20


def analyze_msgpack(source: Source, ctx: ScanContext) -> None:
    result = walk(source, ctx)
    for code, offset in result.unknown_ext[:_PER_FILE]:
        ctx.report(
            "msgpack.unknown-ext",
            f"extension type {code} is not one Flax writes",
            offset=offset,
            evidence={"code": code},
        )
    if len(result.unknown_ext) > _PER_FILE:
        more = len(result.unknown_ext) - _PER_FILE
        ctx.report(
            "msgpack.unknown-ext", f"{more} more unknown extension values", evidence={"more": more}
        )
    ctx.note(
        "msgpack",
        {
            "items": result.items,
            "top_keys": result.top_keys,
            "extensions": {FLAX_EXT.get(c, str(c)): n for c, n in result.ext.most_common(10)},
        },
    )
