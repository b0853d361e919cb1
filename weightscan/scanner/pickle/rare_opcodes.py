"""The rare and protocol-0 data opcodes, beside the engine's hot loop.

The loop (``engine.py``) dispatches the frequent opcodes in a flat ``elif`` chain with
its state in local variables. Everything else comes here through ``RARE_OPCODES``: the
loop hands its state over in a ``Machine``, the handler updates it, and the loop takes
it back. A handler returns True when it read through the reader (which may have moved
to another chunk), so that the loop reloads its chunk.

A handler never raises ``IndexError`` after it moved ``pos``: the loop's handler for it
(a truncated or malformed pickle) still sees the position the opcode started after.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from weightscan.scanner.pickle.reader import Reader
from weightscan.scanner.pickle.values import (
    Container,
    Global,
    Opaque,
    truncated_bytes,
    truncated_str,
)

if TYPE_CHECKING:
    from weightscan.scanner.pickle.engine import Engine

_MAX_BIGINT_BYTES = 64
_from_bytes = int.from_bytes


class Machine:
    """The loop's state, handed to a rare opcode's handler and back."""

    __slots__ = ("lower", "metastack", "pos", "proto", "rd", "stack")

    def __init__(self, rd: Reader, metastack: list[list[Any]]) -> None:
        self.rd = rd
        self.metastack = metastack  # the loop's own list, changed in place
        self.stack: list[Any] = []
        self.lower = 0  # items held by the stacks in metastack
        self.proto = 0
        self.pos = 0  # in ``rd.data``, after the opcode byte


# (engine, machine, opcode, offset of the opcode in the chunk, opcode index)
Handler = Callable[["Engine", Machine, int, int, int], bool]


class BytesAt(bytes):
    """Bytes remembered with their place in the source (nested-pickle analysis)."""

    source_offset: int
    full_length: int

    def __new__(cls, value: bytes, offset: int, length: int) -> BytesAt:
        self = super().__new__(cls, value)
        self.source_offset = offset
        self.full_length = length
        return self


def _pop_mark(m: Machine) -> list[Any]:
    """The items since the last MARK; the stack below that MARK becomes current."""
    items = m.stack
    m.stack = m.metastack.pop()
    m.lower -= len(m.stack)
    return items


def _proto(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    rd = m.rd
    proto = rd.data[m.pos]
    m.pos += 1
    if proto > 5:
        raise e.fail(
            "pickle.stream.malformed",
            f"unsupported pickle protocol {proto}",
            rd.base + at,
            index,
            {"protocol": proto},
        )
    m.proto = proto
    if proto > e.summary.protocol:
        e.summary.protocol = proto
    return False


def _pop(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    if m.stack:
        m.stack.pop()
    else:
        _pop_mark(m)
    return False


def _pop_mark_op(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    _pop_mark(m)
    return False


def _dup(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    if type(m.stack[-1]) is Global:
        e.reread(m.stack[-1])
    m.stack.append(m.stack[-1])
    return False


def _empty_set(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    m.stack.append(Container("set"))
    return False


def _additems(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    items = _pop_mark(m)
    target = m.stack[-1]
    if type(target) is Container:
        if target.kind != "set":
            raise e._wrong_target(target, m.rd, at, index)
        target.extend(items)
    return False


def _frozenset_or_list(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    """FROZENSET, LIST: the items since the last MARK."""
    items = _pop_mark(m)
    made = Container("frozenset" if op == 0x91 else "list")
    made.extend(items)
    m.stack.append(made)
    return False


def _dict(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    items = _pop_mark(m)
    d = Container("dict")
    d.length = len(items) >> 1
    d.items = list(zip(items[0:64:2], items[1:64:2], strict=False))
    m.stack.append(d)
    return False


def _bytes(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    """SHORT_BINBYTES, BINBYTES, BINBYTES8, BYTEARRAY8."""
    rd = m.rd
    keep = e.limits.max_string_bytes
    width = 1 if op == 0x43 else 4 if op == 0x42 else 8
    ln = _from_bytes(rd.data[m.pos : m.pos + width], "little")
    raw, m.pos, off = e._arg(rd, m.pos + width, ln, keep, at, index)
    value = raw if ln <= keep else truncated_bytes(raw, ln)
    if ln <= keep:
        e.reporter.embedded(e, raw, rd.base + at, index)
    m.stack.append(BytesAt(value, off, ln) if ln > 64 else value)
    return True


def _binstring(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    """SHORT_BINSTRING, BINSTRING (bytes read as latin-1 text)."""
    rd = m.rd
    keep = e.limits.max_string_bytes
    width = 1 if op == 0x55 else 4
    ln = _from_bytes(rd.data[m.pos : m.pos + width], "little", signed=op == 0x54)
    if ln < 0:
        raise e.fail("pickle.stream.malformed", "negative string length", rd.base + at, index)
    raw, m.pos, _ = e._arg(rd, m.pos + width, ln, keep, at, index)
    text = raw.decode("latin-1")
    m.stack.append(text if ln <= keep else truncated_str(text, ln))
    return True


def _long(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    """LONG1, LONG4."""
    rd = m.rd
    width = 1 if op == 0x8A else 4
    ln = _from_bytes(rd.data[m.pos : m.pos + width], "little", signed=op == 0x8B)
    if ln < 0:
        raise e.fail("pickle.stream.malformed", "negative LONG4 length", rd.base + at, index)
    raw, m.pos, _ = e._arg(rd, m.pos + width, ln, _MAX_BIGINT_BYTES, at, index)
    m.stack.append(
        _from_bytes(raw, "little", signed=True)
        if ln <= _MAX_BIGINT_BYTES
        else Opaque(f"{ln}-byte integer")
    )
    return True


def _int_line(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    """INT, LONG: a decimal line (INT 00/01 are False/True)."""
    rd = m.rd
    line, m.pos = e._line(rd, rd.data, m.pos, index)
    if op == 0x49 and line in (b"00", b"01"):
        m.stack.append(line == b"01")
    else:
        if op == 0x4C and line.endswith(b"L"):
            line = line[:-1]
        m.stack.append(e._literal_int(line, rd, at, index))
    return True


def _float_line(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    rd = m.rd
    line, m.pos = e._line(rd, rd.data, m.pos, index)
    try:
        m.stack.append(float(line))
    except ValueError:
        raise e.fail(
            "pickle.stream.malformed", "FLOAT argument is no number", rd.base + at, index
        ) from None
    return True


def _text_line(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    """STRING, UNICODE: one text line each."""
    text, m.pos = e._text_arg(m.rd, m.pos, op == 0x53, at, index)
    m.stack.append(text)
    return True


def _persid(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    """PERSID (a text line), BINPERSID (the top of the stack)."""
    if op == 0x50:
        rd = m.rd
        line, m.pos = e._line(rd, rd.data, m.pos, index)
        pid: Any = line.decode("latin-1")
    else:
        pid = m.stack.pop()
    m.stack.append(e._persistent(pid))
    return op == 0x50


def _ext(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    """EXT1, EXT2, EXT4."""
    rd = m.rd
    width = 1 if op == 0x82 else 2 if op == 0x83 else 4
    code = _from_bytes(rd.data[m.pos : m.pos + width], "little")
    m.pos += width
    if m.pos > len(rd.data):
        raise e._short(rd, m.pos, index)
    m.stack.append(e._extension(code, rd.base + at, index))
    return False


def _next_buffer(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    m.stack.append(Opaque("out-of-band buffer"))
    return False


def _readonly_buffer(e: Engine, m: Machine, op: int, at: int, index: int) -> bool:
    if not m.stack:
        raise e._underflow(m.rd, at, index, op)
    return False


RARE_OPCODES: dict[int, Handler] = {
    0x80: _proto,
    0x30: _pop,
    0x31: _pop_mark_op,
    0x32: _dup,
    0x8F: _empty_set,
    0x90: _additems,
    0x91: _frozenset_or_list,
    0x6C: _frozenset_or_list,
    0x64: _dict,
    0x43: _bytes,
    0x42: _bytes,
    0x8E: _bytes,
    0x96: _bytes,
    0x55: _binstring,
    0x54: _binstring,
    0x8A: _long,
    0x8B: _long,
    0x49: _int_line,
    0x4C: _int_line,
    0x46: _float_line,
    0x53: _text_line,
    0x56: _text_line,
    0x50: _persid,
    0x51: _persid,
    0x82: _ext,
    0x83: _ext,
    0x84: _ext,
    0x97: _next_buffer,
    0x98: _readonly_buffer,
}
