"""A bounded msgpack structure walk: types and lengths only, payloads skipped.

Every length is checked against the bytes left, nesting is capped below msgpack-python's
own limit, and containers are tracked with an explicit stack (no recursion). Flax's
extension payloads (1 ndarray, 2 complex, 3 numpy scalar) are msgpack documents of their
own and are walked the same way; other extension codes are listed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from weightscan.scanner.context import ScanContext
from weightscan.scanner.embeddings.window import Window
from weightscan.scanner.errors import LimitExceeded, MalformedInput
from weightscan.scanner.source import Source

MAX_DEPTH = 512
MAX_EXT_DEPTH = 4  # Flax nests none: its payloads are plain tuples
FLAX_EXT = {1: "ndarray", 2: "native_complex", 3: "npscalar"}
_FIXED = {
    0xC0: 0,
    0xC2: 0,
    0xC3: 0,
    0xCA: 4,
    0xCB: 8,
    0xCC: 1,
    0xCD: 2,
    0xCE: 4,
    0xCF: 8,
    0xD0: 1,
    0xD1: 2,
    0xD2: 4,
    0xD3: 8,
}
_SIZED = {0xC4: 1, 0xC5: 2, 0xC6: 4, 0xD9: 1, 0xDA: 2, 0xDB: 4}  # bin and str: length width
_FIXEXT = {0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 8, 0xD8: 16}
_EXT = {0xC7: 1, 0xC8: 2, 0xC9: 4}
_MAPS = {0xDE: 2, 0xDF: 4}
_ARRAYS = {0xDC: 2, 0xDD: 4}


@dataclass
class Walk:
    items: int = 0
    ext: Counter[int] = field(default_factory=Counter)
    unknown_ext: list[tuple[int, int]] = field(default_factory=list)  # (code, offset)
    top_keys: list[str] = field(default_factory=list)
    ext_depth: int = 0


def looks_like_msgpack(head: bytes) -> bool:
    """A map whose first key is a short printable string: a Flax state dict."""
    if len(head) < 3 or not (0x81 <= head[0] <= 0x8F or head[0] in _MAPS):
        return False
    p = 1 + _MAPS.get(head[0], 0)
    if p >= len(head) or not (0xA1 <= head[p] <= 0xBF or head[p] == 0xD9):
        return False
    n, p = (head[p] & 0x1F, p + 1) if head[p] != 0xD9 else (head[p + 1], p + 2)
    key = head[p : p + n]
    return len(key) == n and n > 0 and key.isascii() and key.decode().isprintable()


def walk(
    source: Source,
    ctx: ScanContext,
    result: Walk | None = None,
    start: int = 0,
    end: int | None = None,
) -> Walk:
    """Walk exactly one msgpack object filling ``[start, end)``."""
    result = result if result is not None else Walk()
    stop = source.size if end is None else end
    w = Window(source.slice(0, stop), start)
    pending = [1]  # items still to read at each open container level
    while pending:
        if pending[-1] == 0:
            pending.pop()
            continue
        pending[-1] -= 1
        result.items += 1
        if result.items % 65536 == 0:
            ctx.check_time()
        top_key = (
            len(pending) == 2 and start == 0 and len(result.top_keys) < 20 and pending[-1] % 2 == 1
        )
        children = _item(w, source, ctx, result, collect_key=top_key)
        if children:
            if len(pending) >= MAX_DEPTH:
                raise LimitExceeded("msgpack nesting", MAX_DEPTH, offset=w.pos)
            if children > w.remaining:
                raise MalformedInput(
                    f"msgpack: {children} items declared, {w.remaining} bytes left", offset=w.pos
                )
            pending.append(children)
    if w.pos != stop:
        raise MalformedInput(
            f"msgpack: {stop - w.pos} bytes after the object (the loader refuses extra data)",
            offset=w.pos,
        )
    return result


def _item(w: Window, source: Source, ctx: ScanContext, result: Walk, *, collect_key: bool) -> int:
    """Consume one item's header (and any scalar payload); return its child count."""
    (b,) = w.take(1)
    if b <= 0x7F or b >= 0xE0:
        return 0
    if 0x80 <= b <= 0x8F:
        return 2 * (b & 0x0F)
    if 0x90 <= b <= 0x9F:
        return b & 0x0F
    if 0xA0 <= b <= 0xBF:
        text = w.take(b & 0x1F)
        if collect_key:
            result.top_keys.append(text.decode("utf-8", "replace")[:64])
        return 0
    if b in _FIXED:
        w.skip(_FIXED[b], "number")
        return 0
    if b in _SIZED:
        n = int.from_bytes(w.take(_SIZED[b]), "big")
        if collect_key and b in (0xD9, 0xDA, 0xDB) and n <= 256:
            result.top_keys.append(w.take(n).decode("utf-8", "replace")[:64])
        else:
            w.skip(n, "string or bytes")
        return 0
    if b in _MAPS:
        return 2 * int.from_bytes(w.take(_MAPS[b]), "big")
    if b in _ARRAYS:
        return int.from_bytes(w.take(_ARRAYS[b]), "big")
    if b in _FIXEXT or b in _EXT:
        n = _FIXEXT[b] if b in _FIXEXT else int.from_bytes(w.take(_EXT[b]), "big")
        code = int.from_bytes(w.take(1), "big", signed=True)
        _ext(w, source, ctx, result, code, n)
        return 0
    raise MalformedInput(f"msgpack: byte 0x{b:02x} starts no type", offset=w.pos - 1)


def _ext(w: Window, source: Source, ctx: ScanContext, result: Walk, code: int, n: int) -> None:
    at = w.pos
    w.skip(n, "extension payload")
    result.ext[code] += 1
    if code not in FLAX_EXT:
        result.unknown_ext.append((code, at))
        return
    if result.ext_depth >= MAX_EXT_DEPTH:
        raise LimitExceeded("msgpack extension nesting", MAX_EXT_DEPTH, offset=at)
    result.ext_depth += 1
    walk(source, ctx, result, at, at + n)  # the payload is a msgpack document itself
    result.ext_depth -= 1
