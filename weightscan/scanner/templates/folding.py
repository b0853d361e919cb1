"""Fold constant string expressions of a template to the text they build, without running them.

``'__cla' ~ 'ss__'``, ``'%sclass%s' % ('__', '__')``, ``['_', '_class', '__']|join`` and
``'{}{}class{}{}'.format(...)`` all spell ``__class__``. Formatting is simulated
(placeholders replaced in order), never executed, and every result is capped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jinja2 import nodes

MAX_FOLDED = 4096  # characters; longer results are not needed to spot a dunder
_MAX_DEPTH = 64
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-+ #0]*\d*(?:\.\d+)?[sdrcaixXeEfFgG]")
_BRACES = re.compile(r"\{[^{}]*\}")


def fold(node: nodes.Node, depth: int = 0) -> str | None:
    """The string ``node`` always evaluates to, or None when it depends on data."""
    if depth > _MAX_DEPTH:
        return None
    result = _fold(node, depth + 1)
    if result is not None and len(result) > MAX_FOLDED:
        return result[:MAX_FOLDED]
    return result


def _fold(node: nodes.Node, depth: int) -> str | None:
    if isinstance(node, nodes.Const):
        return node.value if isinstance(node.value, str) else _scalar(node.value)
    if isinstance(node, nodes.Concat):
        return _join([fold(n, depth) for n in node.nodes])
    if isinstance(node, nodes.Add):
        return _join([fold(node.left, depth), fold(node.right, depth)])
    if isinstance(node, nodes.Mul):
        return _repeat(fold(node.left, depth), fold(node.right, depth))
    if isinstance(node, nodes.Mod):
        return _substitute(_PERCENT, fold(node.left, depth), _items(node.right, depth))
    if isinstance(node, nodes.Filter) and node.node is not None:
        return _fold_filter(node, depth)
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
        return _fold_method(node, node.node, depth)
    return None


def _fold_filter(node: nodes.Filter, depth: int) -> str | None:
    assert node.node is not None
    if node.name == "join":
        sep = fold(node.args[0], depth) if node.args else ""
        parts = _items(node.node, depth)
        return None if sep is None or parts is None else sep.join(parts)
    if node.name == "format":
        args = [fold(a, depth) for a in node.args]
        return _substitute(_PERCENT, fold(node.node, depth), None if None in args else args)  # type: ignore[arg-type]
    value = fold(node.node, depth)
    if value is None:
        return None
    if node.name == "replace" and len(node.args) >= 2:
        old, new = fold(node.args[0], depth), fold(node.args[1], depth)
        if old is None or new is None or not old:
            return None
        return _capped_replace(value, old, new)
    simple: dict[str, Callable[[str], str]] = {
        "reverse": lambda s: s[::-1], "lower": str.lower, "upper": str.upper, "trim": str.strip,
        "string": str, "first": lambda s: s[:1], "last": lambda s: s[-1:],
    }
    transform = simple.get(node.name)
    return transform(value) if transform else None


def _fold_method(node: nodes.Call, target: nodes.Getattr, depth: int) -> str | None:
    value = fold(target.node, depth)
    if value is None:
        return None
    args = [fold(a, depth) for a in node.args]
    if None in args:
        return None
    strs: list[str] = [a for a in args if a is not None]
    if target.attr == "format":
        kwargs = [fold(kw.value, depth) for kw in node.kwargs]
        return _substitute(_BRACES, value, strs + [k for k in kwargs if k is not None])
    if target.attr == "join":
        parts = _items(node.args[0], depth) if node.args else None
        return None if parts is None else value.join(parts)
    if target.attr == "replace" and len(strs) >= 2 and strs[0]:
        return _capped_replace(value, strs[0], strs[1])
    if target.attr in ("lower", "upper", "strip") and not strs:
        return {"lower": value.lower, "upper": value.upper, "strip": value.strip}[target.attr]()
    return None


def _items(node: nodes.Node, depth: int) -> list[str] | None:
    if isinstance(node, nodes.List | nodes.Tuple):
        parts = [fold(n, depth) for n in node.items]
        return None if None in parts else [p for p in parts if p is not None]
    single = fold(node, depth)
    return None if single is None else [single]


def _substitute(pattern: re.Pattern[str], template: str | None,
                args: list[str] | None) -> str | None:
    """Replace placeholders with the arguments (a simulation of formatting, not formatting).

    ``{0}``/``{1}`` pick an argument by position; other placeholders take the next one.
    """
    if template is None or args is None:
        return None
    queue = iter(args)

    def pick(match: re.Match[str]) -> str:
        if match.group().startswith("%") and match.group().endswith("c"):
            arg = next(queue, "")  # %c of a number is a character: '%c' % 95 == '_'
            return chr(int(arg)) if arg.isdigit() and int(arg) < 0x110000 else arg
        field = match.group().strip("{}").split(":")[0].split("!")[0]
        if field.isdigit():
            index = int(field)
            return args[index] if index < len(args) else ""
        return next(queue, "")

    return pattern.sub(pick, template[:MAX_FOLDED])


def _repeat(left: str | None, right: str | None) -> str | None:
    """``'_' * 2`` (either order); the folded operands of numbers are their digits."""
    if left is None or right is None:
        return None
    text, count = (left, right) if right.isdigit() else (right, left)
    if not count.isdigit() or len(count) > 6:
        return None
    return text[:MAX_FOLDED] * min(int(count), MAX_FOLDED // max(len(text), 1) + 1)


def _capped_replace(value: str, old: str, new: str) -> str | None:
    if value.count(old) * len(new) > MAX_FOLDED:
        return None
    return value.replace(old, new)


def _join(parts: list[str | None]) -> str | None:
    if any(p is None for p in parts):
        return None
    return "".join(p for p in parts if p is not None)


def _scalar(value: object) -> str | None:
    if isinstance(value, bool | int | float) or value is None:
        return str(value)
    return None
