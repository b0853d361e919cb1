"""Render-time denial of service: work a template asks of the renderer, found statically.

Sandboxes limit attribute access, not time or memory: ``'A' * 10**9``, ``range(10**9)``,
loops nested over large ranges, ``9 ** 9 ** 9``, padding widths of a billion and macros
that call themselves without walking data all hang or exhaust the server that renders
the template. Only sizes the template fixes itself (constants, folded) are judged;
sizes taken from the conversation are the renderer's business.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from jinja2 import nodes

from weightscan.scanner.templates.dataflow import DATA, Flow

HUGE = 1_000_000  # repetitions, range length or padding width
HUGE_LOOPS = 10_000_000  # iterations of nested loops
HUGE_SIZE = 10_000_000  # characters or items one repetition builds
HUGE_DIGITS = 100_000  # digits of a power
# A width or a precision ("%.300000000f" builds a 300 MB string as surely as a width).
_WIDTH = re.compile(r"%[-+ #0]*(?:\d*\.)?(\d{7,})|\{[^{}]*:[^{}]*?(\d{7,})[^{}]*\}")
# batch(n, fill) pads with n items; slice(n) loops n times: both a "width" here.
_WIDTH_FILTERS = {"center": 0, "indent": 0, "wordwrap": 0, "truncate": 0, "batch": 0, "slice": 0}
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})

Problem = tuple[int, str, str]  # (line, what, key)


def render_costs(tree: nodes.Node, all_nodes: list[nodes.Node], flow: Flow) -> Iterator[Problem]:
    for node in all_nodes:
        yield from _node_cost(node, flow)
    yield from _nested_loops(tree, flow)
    yield from _recursion(flow)


def _line(node: nodes.Node) -> int:
    return getattr(node, "lineno", 1) or 1


def _numbers(node: nodes.Node, flow: Flow) -> list[int | float]:
    found = flow.values(node) or ()
    return [v for v in found if isinstance(v, int | float) and not isinstance(v, bool)]


def _node_cost(node: nodes.Node, flow: Flow) -> Iterator[Problem]:
    if isinstance(node, nodes.Mul):
        count = max(_numbers(node.left, flow) + _numbers(node.right, flow), default=0)
        size = _size(node, flow)
        if size >= HUGE_SIZE or (size > 1 and count >= HUGE):
            yield _line(node), f"builds a string or list of about {size:.3g} items", "mul"
    elif isinstance(node, nodes.Pow):
        for base in _numbers(node.left, flow):
            for exponent in _numbers(node.right, flow):
                if abs(base) >= 2 and exponent * math.log10(abs(base)) > HUGE_DIGITS:
                    yield _line(node), f"computes a power of more than {HUGE_DIGITS} digits", "pow"
                    return
    elif isinstance(node, nodes.Call):
        target = node.node
        if isinstance(target, nodes.Name) and target.name == "range":
            span = _range_size(node, flow)
            if span is not None and span >= HUGE:
                yield _line(node), f"iterates a range of {span} numbers", "range"
        elif (
            isinstance(target, nodes.Getattr)
            and target.attr in _WIDTH_METHODS
            and node.args
            and any(n >= HUGE for n in _numbers(node.args[0], flow))
        ):
            yield _line(node), "pads a string to a width of a million or more", "width"
    elif isinstance(node, nodes.Filter):
        position = _WIDTH_FILTERS.get(node.name)
        widths = [kw.value for kw in node.kwargs if kw.key == "width"]
        if position is not None and len(node.args) > position:
            widths.append(node.args[position])
        if any(n >= HUGE for w in widths for n in _numbers(w, flow)):
            yield _line(node), f"filter {node.name!r} with a width of a million or more", "width"
    elif (
        isinstance(node, nodes.Const) and isinstance(node.value, str) and _WIDTH.search(node.value)
    ):
        yield _line(node), "a format field with a width of a million or more", "width"


def _range_size(call: nodes.Call, flow: Flow) -> int | None:
    bounds = [_numbers(a, flow) for a in call.args]
    if not bounds or len(bounds) > 3 or not all(len(b) == 1 for b in bounds):
        return None
    ints = [b[0] for b in bounds]
    if not all(isinstance(i, int) for i in ints) or (len(ints) == 3 and ints[2] == 0):
        return None
    return len(range(*ints))  # type: ignore[arg-type]


def _size(node: Any, flow: Flow, depth: int = 0) -> float:
    """Items (characters, list items, range numbers) an expression makes when the
    template fixes them; 1 when they depend on data. Strings folded to their cap still
    count through the factors that repeat them."""
    if depth > 16:
        return 1
    if isinstance(node, nodes.Name):
        bound = flow.bindings.get(node.name, [])
        if len(bound) == 1 and bound[0].how == "value":
            return _size(bound[0].node, flow, depth + 1)
    if isinstance(node, nodes.Mul):
        left, right = _numbers(node.left, flow), _numbers(node.right, flow)
        if left and not right:
            return max(left) * _size(node.right, flow, depth + 1)
        if right and not left:
            return max(right) * _size(node.left, flow, depth + 1)
        return 1
    if isinstance(node, nodes.Concat | nodes.Add):
        parts = node.nodes if isinstance(node, nodes.Concat) else (node.left, node.right)
        return sum(_size(p, flow, depth + 1) for p in parts)
    if (
        isinstance(node, nodes.Call)
        and isinstance(node.node, nodes.Name)
        and node.node.name == "range"
    ):
        return _range_size(node, flow) or 1
    values = flow.values(node) or ()
    return max((len(v) for v in values if isinstance(v, str | tuple)), default=1)


def _loop_size(loop: nodes.For, flow: Flow) -> float:
    """Iterations of one loop when the template fixes them, else 1 (data-sized)."""
    return max(_size(loop.iter, flow), 1)


def _nested_loops(tree: nodes.Node, flow: Flow) -> Iterator[Problem]:
    stack: list[tuple[nodes.Node, float]] = [(tree, 1)]
    while stack:
        node, outer = stack.pop()
        if isinstance(node, nodes.For):
            total = outer * _loop_size(node, flow)
            if total >= HUGE_LOOPS and outer > 1:
                yield _line(node), f"nested loops run about {total:.3g} iterations", "loops"
                continue
            stack.extend((child, total) for child in node.body)
            stack.extend((child, outer) for child in node.else_)
            continue
        stack.extend((child, outer) for child in node.iter_child_nodes())


def _recursion(flow: Flow) -> Iterator[Problem]:
    """Macros that reach themselves through calls whose arguments do not walk data."""
    calls_in: dict[str, list[nodes.Call]] = {}
    for name, macro in flow.macros.items():
        calls_in[name] = [
            c
            for c in macro.find_all(nodes.Call)
            if isinstance(c.node, nodes.Name) and c.node.name in flow.macros
        ]
    caller_of = {id(c): flow.macros[m] for m, found in calls_in.items() for c in found}
    # Names are not scoped here: a parameter of any macro counts as "passed on" wherever
    # the same name appears, unless the calling macro binds it as an element of its own
    # parameter's items (``for k, v in schema.items()``: v is one level down).
    params = {arg.name for macro in flow.macros.values() for arg in macro.args}
    for name in flow.macros:
        for call in _calls_back(name, calls_in):
            arguments = [*call.args, *(kw.value for kw in call.kwargs)]
            stepped = _items_of_own_parameters(caller_of[id(call)])
            if not any(_walks(a, params - stepped, flow) for a in arguments):
                yield _line(call), f"macro {name!r} calls itself without walking data", "recursion"
                break


def _walks(argument: nodes.Node, params: set[str], flow: Flow) -> bool:
    """Does this argument step into data (``node.children``, a loop item), so that the
    recursion ends with the data, rather than pass parameters on or count?"""
    if DATA not in flow.kinds(argument):
        return False
    steps = (nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Name)
    parts = [argument, *argument.find_all(steps)]
    # a function's name is no data: f(strftime_now('%A')) passes the clock, not a step
    callees = {
        id(c.node) for c in [argument, *argument.find_all(nodes.Call)] if isinstance(c, nodes.Call)
    }
    return any(
        isinstance(p, nodes.Getattr | nodes.Getitem | nodes.Filter)
        or (isinstance(p, nodes.Name) and p.name not in params and id(p) not in callees)
        for p in parts
    )


def _items_of_own_parameters(macro: nodes.Macro) -> set[str]:
    """Loop targets of ``macro`` that iterate a mapping's entries reached from one of its
    own parameters (``p.items()``, ``p.properties.values()``, ``p|dictsort``). Only
    mappings: a string iterated yields strings, so ``for c in p`` is no step down."""
    own = {arg.name for arg in macro.args}
    found: set[str] = set()
    for loop in macro.find_all(nodes.For):
        if _entries_of(loop.iter, own):
            found.update(n.name for n in loop.target.find_all(nodes.Name))
            if isinstance(loop.target, nodes.Name):
                found.add(loop.target.name)
    return found


def _entries_of(node: nodes.Node, own: set[str]) -> bool:
    if (
        isinstance(node, nodes.Call)
        and isinstance(node.node, nodes.Getattr)
        and node.node.attr in ("items", "values")
        and not node.args
    ):
        return _below(node.node.node, own)
    if isinstance(node, nodes.Filter) and node.name in ("dictsort", "items"):
        return node.node is not None and _below(node.node, own)
    return False


def _below(node: nodes.Node, own: set[str], depth: int = 0) -> bool:
    """Is ``node`` one of ``own`` or reached from one by constant-name steps?"""
    if depth > 16:
        return False
    if isinstance(node, nodes.Name):
        return node.name in own
    if isinstance(node, nodes.Getattr):
        return _below(node.node, own, depth + 1)
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return isinstance(node.arg.value, str) and _below(node.node, own, depth + 1)
    if (
        isinstance(node, nodes.Call)
        and isinstance(node.node, nodes.Getattr)
        and node.node.attr == "get"
        and node.args
        and isinstance(node.args[0], nodes.Const)
    ):
        return _below(node.node.node, own, depth + 1)
    return False


def _calls_back(name: str, calls_in: dict[str, list[nodes.Call]]) -> list[nodes.Call]:
    """The calls on a cycle through ``name`` (made by any macro on that cycle)."""
    reach: dict[str, set[str]] = {}
    for start in calls_in:
        seen: set[str] = set()
        todo = [c.node.name for c in calls_in[start]]  # type: ignore[attr-defined]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(c.node.name for c in calls_in.get(current, []))  # type: ignore[attr-defined]
        reach[start] = seen
    cycle = {m for m in calls_in if name in reach[m] and m in reach[name]} | (
        {name} if name in reach[name] else set()
    )
    return [c for m in cycle for c in calls_in[m] if c.node.name in cycle]  # type: ignore[attr-defined]
