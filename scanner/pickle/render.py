"""Render symbolic values as the Python the unpickler would effectively run.

``render_call`` turns a ``Call`` into an excerpt such as ``os.system('touch /tmp/x')``
or, for a call whose object then gets BUILD state,
``_var0 = mod.Cls()`` / ``_var0.__setstate__({...})``. Output is bounded: at most
``MAX_CHARS`` characters and ``MAX_LINES`` lines, nesting cut at ``MAX_DEPTH``.
"""

from __future__ import annotations

from typing import Any

from scanner.limits import ScanLimits
from scanner.pickle.values import Call, Container, Global, Opaque, Truncated, TruncatedBytes

MAX_CHARS = 2048
MAX_LINES = 20
MAX_DEPTH = 12
_MAX_LITERAL = 120
_MAX_ITEMS = 8


def render_call(call: Call, limits: ScanLimits) -> str:
    depth = min(MAX_DEPTH, limits.max_pickle_nesting)
    expr = render_value(call, depth)
    lines = []
    if call.state is not None:
        lines.append(f"_var0 = {expr}")
        lines.append(f"_var0.__setstate__({render_value(call.state, depth)})")
    else:
        lines.append(expr)
    text = "\n".join(line if len(line) <= MAX_CHARS else line[:MAX_CHARS - 3] + "..."
                     for line in lines[:MAX_LINES])
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS - 3] + "..."


def render_value(value: Any, depth: int) -> str:
    """One value as a Python expression (bounded)."""
    if depth <= 0:
        return "..."
    if isinstance(value, Global):
        return value.path
    if isinstance(value, Call):
        return _render_call_expr(value, depth - 1)
    if isinstance(value, Opaque):
        return f"<{value.what}>"
    if isinstance(value, Container):
        return _render_container(value, depth - 1)
    if isinstance(value, tuple):
        items = [render_value(v, depth - 1) for v in value[:_MAX_ITEMS]]
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


def _render_call_expr(call: Call, depth: int) -> str:
    func = render_value(call.func, depth)
    if not isinstance(call.func, Global):
        func = f"({func})" if isinstance(call.func, Call) else func
    args = call.args
    if isinstance(args, tuple):
        parts = [render_value(a, depth) for a in args[:_MAX_ITEMS]]
        if len(args) > _MAX_ITEMS:
            parts.append("...")
    else:
        parts = [f"*{render_value(args, depth)}"]
    if call.kwargs is not None:
        parts.append(f"**{render_value(call.kwargs, depth)}")
    text = f"{func}({', '.join(parts)})"
    if call.kind == "newobj":
        text = f"{func}.__new__({', '.join([func, *parts])})"
    return text


def _render_container(c: Container, depth: int) -> str:
    more = c.length > len(c.items)
    if c.kind == "dict":
        body = ", ".join(f"{render_value(k, depth)}: {render_value(v, depth)}"
                         for k, v in c.items[:_MAX_ITEMS])
        return "{" + body + (", ..." if more or len(c.items) > _MAX_ITEMS else "") + "}"
    body = ", ".join(render_value(v, depth) for v in c.items[:_MAX_ITEMS])
    tail = ", ..." if more or len(c.items) > _MAX_ITEMS else ""
    if c.kind == "list":
        return f"[{body}{tail}]"
    if not c.items:
        return f"{c.kind}()"
    return f"{c.kind}({{{body}{tail}}})"
