"""Render symbolic values as the Python the unpickler would effectively run.

``render_call`` turns a ``Call`` into an excerpt such as ``os.system('touch /tmp/x')``
or, for a call whose object then gets BUILD state,
``_var0 = mod.Cls()`` / ``_var0.__setstate__({...})``. Output is bounded: at most
``MAX_CHARS`` characters and ``MAX_LINES`` lines, nesting cut at ``MAX_DEPTH``, and at
most ``MAX_NODES`` values visited per excerpt: memo references make the value graph a DAG
whose tree unfolding can be exponential ("billion laughs"), so the walk is budgeted by
nodes, not by depth alone.
"""

from __future__ import annotations

from typing import Any

from weightscan.scanner.limits import ScanLimits
from weightscan.scanner.pickle.values import (
    Call,
    Container,
    Global,
    Opaque,
    Truncated,
    TruncatedBytes,
)

MAX_CHARS = 2048
MAX_LINES = 20
MAX_DEPTH = 12
_MAX_LITERAL = 120
_MAX_ITEMS = 8
MAX_NODES = 2000


class _Budget:
    """Values a single excerpt may still visit."""

    __slots__ = ("left",)

    def __init__(self, nodes: int) -> None:
        self.left = nodes


def render_call(call: Call, limits: ScanLimits) -> str:
    depth = min(MAX_DEPTH, limits.max_pickle_nesting)
    budget = _Budget(MAX_NODES)
    expr = _render(call, depth, budget)
    lines = []
    if call.state is not None:
        lines.append(f"_var0 = {expr}")
        lines.append(f"_var0.__setstate__({_render(call.state, depth, budget)})")
    else:
        lines.append(expr)
    text = "\n".join(
        line if len(line) <= MAX_CHARS else line[: MAX_CHARS - 3] + "..."
        for line in lines[:MAX_LINES]
    )
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 3] + "..."


def render_value(value: Any, depth: int) -> str:
    """One value as a Python expression (bounded in depth and in values visited)."""
    return _render(value, depth, _Budget(MAX_NODES))


def _render(value: Any, depth: int, budget: _Budget) -> str:
    if depth <= 0 or budget.left <= 0:
        return "..."
    budget.left -= 1
    if isinstance(value, Global):
        return value.path
    if isinstance(value, Call):
        return _render_call_expr(value, depth - 1, budget)
    if isinstance(value, Opaque):
        return f"<{value.what}>"
    if isinstance(value, Container):
        return _render_container(value, depth - 1, budget)
    if isinstance(value, tuple):
        items = [_render(v, depth - 1, budget) for v in value[:_MAX_ITEMS]]
        if len(value) > _MAX_ITEMS:
            items.append("...")
        return "(" + ", ".join(items) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, Truncated):
        return repr(str(value)[:_MAX_LITERAL]) + f"...<{value.full_length} chars>"
    if isinstance(value, TruncatedBytes):
        return repr(bytes(value)[:_MAX_LITERAL]) + f"...<{value.full_length} bytes>"
    if isinstance(value, str | bytes):
        text = repr(value[:_MAX_LITERAL])
        if isinstance(value, bytes) and type(value) is not bytes:
            text = repr(bytes(value[:_MAX_LITERAL]))
        return text + ("..." if len(value) > _MAX_LITERAL else "")
    if value is None or isinstance(value, bool | int | float | complex):
        text = repr(value)
        return text if len(text) <= _MAX_LITERAL else text[:_MAX_LITERAL] + "..."
    return f"<{type(value).__name__}>"


def _render_call_expr(call: Call, depth: int, budget: _Budget) -> str:
    func = _render(call.func, depth, budget)
    if not isinstance(call.func, Global):
        func = f"({func})" if isinstance(call.func, Call) else func
    args = call.args
    if isinstance(args, tuple):
        parts = [_render(a, depth, budget) for a in args[:_MAX_ITEMS]]
        if len(args) > _MAX_ITEMS:
            parts.append("...")
    else:
        parts = [f"*{_render(args, depth, budget)}"]
    if call.kwargs is not None:
        parts.append(f"**{_render(call.kwargs, depth, budget)}")
    text = f"{func}({', '.join(parts)})"
    if call.kind == "newobj":
        text = f"{func}.__new__({', '.join([func, *parts])})"
    return text


def _render_container(c: Container, depth: int, budget: _Budget) -> str:
    more = c.length > len(c.items)
    if c.kind == "dict":
        body = ", ".join(
            f"{_render(k, depth, budget)}: {_render(v, depth, budget)}"
            for k, v in c.items[:_MAX_ITEMS]
        )
        return "{" + body + (", ..." if more or len(c.items) > _MAX_ITEMS else "") + "}"
    body = ", ".join(_render(v, depth, budget) for v in c.items[:_MAX_ITEMS])
    tail = ", ..." if more or len(c.items) > _MAX_ITEMS else ""
    if c.kind == "list":
        return f"[{body}{tail}]"
    if not c.items:
        return f"{c.kind}()"
    return f"{c.kind}({{{body}{tail}}})"
