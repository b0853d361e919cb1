"""A bounded UBJSON (draft 12) structure walk: types and lengths only, payloads skipped.

UBJSON is binary JSON: it holds numbers, strings, arrays and objects and nothing a reader
runs. XGBoost's ``save_model("model.ubj")`` writes it. Every length is checked against the
bytes left, nesting is capped, and containers are tracked on an explicit stack (no
recursion); one document must fill the file, as XGBoost's parser requires.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from weightscan.scanner.context import ScanContext
from weightscan.scanner.embeddings.window import Window
from weightscan.scanner.errors import LimitExceeded, MalformedInput
from weightscan.scanner.source import Source

MAX_DEPTH = 256
_MAX_KEY = 1 << 16  # object keys are names, not data
_FIXED = {b"Z": 0, b"N": 0, b"T": 0, b"F": 0, b"i": 1, b"U": 1, b"C": 1, b"I": 2, b"l": 4}
_FIXED |= {b"L": 8, b"d": 4, b"D": 8}
_LENGTHS = {b"i": 1, b"U": 1, b"I": 2, b"l": 4, b"L": 8}  # what may give a length
_SIGNED = frozenset(b"iIlL")
_OPEN = frozenset(b"[{")


@dataclass
class Frame:
    is_object: bool
    left: int  # items (or key/value pairs) still to read; -1 until the closing marker
    item_type: bytes | None  # "$" type of every item of an optimised container
    want_key: bool = True


@dataclass
class Walk:
    items: int = 0
    top_keys: list[str] = field(default_factory=list)


def looks_like_ubjson(head: bytes) -> bool:
    """An object whose first key is a short printable name, or an optimised container."""
    if len(head) < 3 or head[:1] not in (b"{", b"["):
        return False
    marker = head[1:2]
    if marker in (b"$", b"#"):
        return True
    if head[:1] != b"{":
        return False
    size = _LENGTHS.get(marker)
    if size is None or len(head) < 2 + size:
        return False
    n = int.from_bytes(head[2 : 2 + size], "big", signed=marker[0] in _SIGNED)
    key = head[2 + size : 2 + size + n]
    return 0 < n <= 256 and len(key) == n and key.isascii() and key.decode().isprintable()


def walk(source: Source, ctx: ScanContext) -> Walk:
    """Walk the one UBJSON value that must fill ``source``."""
    result = Walk()
    w = Window(source)
    stack: list[Frame] = []
    _value(w, stack, result, w.take(1))
    while stack:
        frame = stack[-1]
        if frame.left == 0:
            stack.pop()
            continue
        result.items += 1
        if result.items % 65536 == 0:
            ctx.check_time()
        if frame.left < 0 and frame.want_key:
            peek = w.take(1)
            if peek == (b"}" if frame.is_object else b"]"):
                stack.pop()
                continue
            w.pos -= 1
        if frame.is_object and frame.want_key:
            key = _string(w, w.take(1), "key")
            if len(stack) == 1 and len(result.top_keys) < 20:
                result.top_keys.append(key[:64].decode("utf-8", "replace"))
            frame.want_key = False
            continue
        if frame.left > 0:
            frame.left -= 1
        frame.want_key = True
        if frame.item_type is not None:
            _value(w, stack, result, frame.item_type)
            continue
        marker = w.take(1)
        if marker == b"N" and frame.left < 0:
            # no-op padding, one item of the walk (counted, timed): an array looks for
            # its closing marker again, an object still wants the value
            frame.want_key = not frame.is_object
            continue
        _value(w, stack, result, marker)
    if w.pos != source.size:
        raise MalformedInput(
            f"ubjson: {source.size - w.pos} bytes after the document", offset=w.pos
        )
    return result


def _value(w: Window, stack: list[Frame], result: Walk, marker: bytes) -> None:
    if marker in _FIXED:
        w.skip(_FIXED[marker], "number")
    elif marker in (b"S", b"H"):
        _string(w, w.take(1), "string")
    elif marker[0:1] and marker[0] in _OPEN:
        _open(w, stack, marker == b"{")
    else:
        raise MalformedInput(f"ubjson: {marker!r} starts no value", offset=w.pos - 1)


def _open(w: Window, stack: list[Frame], is_object: bool) -> None:
    if len(stack) >= MAX_DEPTH:
        raise LimitExceeded("ubjson nesting", MAX_DEPTH, offset=w.pos)
    item_type = None
    marker = w.take(1)
    if marker == b"$":
        item_type = w.take(1)
        if item_type in (b"N", b""):
            raise MalformedInput("ubjson: no-op as a container type", offset=w.pos - 1)
        marker = w.take(1)
        if marker != b"#":
            raise MalformedInput("ubjson: a typed container without a count", offset=w.pos - 1)
    if marker == b"#":
        count = _length(w, w.take(1))
        per_item = 1 if item_type is None else _FIXED.get(item_type, 1)
        pairs = 2 if is_object else 1  # a key is at least its length byte
        if count * max(per_item, 1) * (pairs if item_type is None else 1) > w.remaining:
            raise MalformedInput(f"ubjson: {count} items declared past the end", offset=w.pos)
        if item_type in _FIXED and not is_object:
            w.skip(count * _FIXED[item_type], "typed array")  # numbers: nothing to walk
            return
        stack.append(Frame(is_object, count, item_type))
        return
    w.pos -= 1
    stack.append(Frame(is_object, -1, None))


def _length(w: Window, marker: bytes) -> int:
    size = _LENGTHS.get(marker)
    if size is None:
        raise MalformedInput(f"ubjson: {marker!r} is no length type", offset=w.pos - 1)
    n = int.from_bytes(w.take(size), "big", signed=marker[0] in _SIGNED)
    if n < 0:
        raise MalformedInput(f"ubjson: negative length {n}", offset=w.pos - size)
    return n


def _string(w: Window, marker: bytes, what: str) -> bytes:
    n = _length(w, marker)
    if what == "key":
        if n > _MAX_KEY:
            raise LimitExceeded("ubjson key length", _MAX_KEY, offset=w.pos)
        return w.take(n)
    w.skip(n, what)
    return b""
