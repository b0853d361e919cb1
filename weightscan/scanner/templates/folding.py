"""Fold template expressions to the constant values they can take, without running them.

``'__cla' ~ 'ss__'``, ``'%sclass%s' % ('__', '__')``, ``['_', '_class', '__']|join``,
``'__ssalc__'[::-1]`` and ``'{0}class{0}'.format(u)`` with ``u`` set to ``'__'`` all spell
``__class__``. An expression folds to a small set of candidate values (a name set in two
branches has two), or to None when it depends on render-time data or the set grows too
large. Formatting is simulated (placeholders replaced in order), never executed, and
every string, list and number is capped.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from typing import Any

from jinja2 import nodes

MAX_FOLDED = 4096  # characters; longer results are not needed to spot a dunder
MAX_CANDIDATES = 16  # values one expression may take before it counts as unknown
_MAX_ITEMS = 256  # list items kept
_MAX_INT = 1 << 256  # numbers beyond this are not folded (render-time DoS is checked apart)
_MAX_DEPTH = 64
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-+ #0]*\d*(?:\.\d+)?[sdrcaixXeEfFgG]")
_BRACES = re.compile(r"\{[^{}]*\}")

Candidates = frozenset[Any] | None  # None: not a constant
Lookup = Callable[[str], Candidates]


class Keys(tuple):  # type: ignore[type-arg]
    """The keys of a dict literal: what iterating, ``|list`` or ``|join`` on it yields."""


class _NoFold(Exception):
    """This combination of values does not fold."""


def _no_names(name: str) -> Candidates:
    return None


class Folder:
    """Folds expressions; names resolve through ``lookup`` (the template's bindings)."""

    def __init__(self, lookup: Lookup = _no_names) -> None:
        self.lookup = lookup
        self._memo: dict[int, Candidates] = {}

    def values(self, node: nodes.Node, depth: int = 0) -> Candidates:
        key = id(node)
        if key in self._memo:
            return self._memo[key]
        result = None if depth > _MAX_DEPTH else self._values(node, depth + 1)
        if result is not None and len(result) > MAX_CANDIDATES:
            result = None
        self._memo[key] = result
        return result

    def strings(self, node: nodes.Node) -> frozenset[str] | None:
        """The string values ``node`` can take (numbers and lists left out), or None."""
        found = self.values(node)
        return None if found is None else frozenset(v for v in found if isinstance(v, str))

    def block(self, body: Iterable[nodes.Node]) -> Candidates:
        """The text a ``{% set x %}...{% endset %}`` body renders to, if constant."""
        parts: list[nodes.Node] = []
        for statement in body:
            if not isinstance(statement, nodes.Output):
                return None
            parts.extend(statement.nodes)
        return self._combine([self.values(p) for p in parts], lambda *v: "".join(map(_text, v)))

    # -- the cases ----------------------------------------------------------------------
    def _values(self, node: nodes.Node, depth: int) -> Candidates:
        if isinstance(node, nodes.Const | nodes.TemplateData):
            value = node.data if isinstance(node, nodes.TemplateData) else node.value
            if not _scalar(value):
                return None
            try:
                return frozenset({_cap(value)})
            except _NoFold:  # an int literal too large to fold
                return None
        if isinstance(node, nodes.Name):
            return self.lookup(node.name)
        if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
            return self.lookup(f"{node.node.name}.{node.attr}")  # namespace attributes
        if isinstance(node, nodes.List | nodes.Tuple):
            if len(node.items) > _MAX_ITEMS:
                return None
            return self._combine([self.values(n, depth) for n in node.items], lambda *v: v)
        if isinstance(node, nodes.Dict):
            return self._combine(
                [self.values(p.key, depth) for p in node.items[:_MAX_ITEMS]], lambda *v: Keys(v)
            )
        if isinstance(node, nodes.CondExpr):
            other = self.values(node.expr2, depth) if node.expr2 is not None else frozenset({""})
            return _union(self.values(node.expr1, depth), other)
        if isinstance(node, nodes.Concat):
            return self._combine(
                [self.values(n, depth) for n in node.nodes], lambda *v: _cap("".join(map(_text, v)))
            )
        if isinstance(node, nodes.BinExpr):
            operator = _BINARY.get(type(node))
            if operator is None:
                return None
            return self._combine(
                [self.values(node.left, depth), self.values(node.right, depth)], operator
            )
        if isinstance(node, nodes.Neg):
            return self._combine([self.values(node.node, depth)], lambda v: -_number(v))
        if isinstance(node, nodes.Getitem):
            return self._getitem(node, depth)
        if isinstance(node, nodes.Filter) and node.node is not None:
            return self._filter(node, depth)
        if isinstance(node, nodes.Call):
            return self._call(node, depth)
        return None

    def _combine(self, parts: list[Candidates], operation: Callable[..., Any]) -> Candidates:
        if any(p is None for p in parts):
            return None
        total = 1
        for p in parts:
            assert p is not None
            total *= len(p)
            if total > MAX_CANDIDATES * 4:
                return None
        results = set()
        for combination in itertools.product(*parts):  # type: ignore[arg-type]
            try:
                results.add(operation(*combination))
            except (
                _NoFold,
                TypeError,
                ValueError,
                IndexError,
                KeyError,
                ZeroDivisionError,
                OverflowError,
            ):
                return None
        return frozenset(results)

    def _getitem(self, node: nodes.Getitem, depth: int) -> Candidates:
        base = self.values(node.node, depth)
        if isinstance(node.arg, nodes.Slice):
            bounds = [
                self.values(b, depth) if b is not None else frozenset({None})
                for b in (node.arg.start, node.arg.stop, node.arg.step)
            ]
            return self._combine([base, *bounds], _slice)
        return self._combine([base, self.values(node.arg, depth)], _index)

    def _filter(self, node: nodes.Filter, depth: int) -> Candidates:
        assert node.node is not None
        args = [self.values(a, depth) for a in node.args]
        kwargs = {kw.key: self.values(kw.value, depth) for kw in node.kwargs}
        value = self.values(node.node, depth)
        name = node.name
        if name in ("default", "d"):
            fallback = args[0] if args else frozenset({""})
            return _union(value, fallback)  # Undefined is data here: both are possible
        if name == "join":
            if "attribute" in kwargs:
                return None
            sep = args[0] if args else frozenset({""})
            return self._combine(
                [value, sep], lambda v, s: _cap(_text(s).join(map(_text, _sequence(v))))
            )
        if name == "format":
            return self._combine([value, *args], lambda t, *a: _percent(t, a))
        if name == "replace" and len(args) >= 2:
            return self._combine([value, args[0], args[1]], _replace)
        transform = _FILTERS.get(name)
        if transform is None or args or kwargs:
            return None
        return self._combine([value], transform)

    def _call(self, node: nodes.Call, depth: int) -> Candidates:
        target = node.node
        if isinstance(target, nodes.Name) and target.name == "dict" and not node.args:
            return frozenset({Keys(kw.key for kw in node.kwargs)})
        if isinstance(target, nodes.Name) and target.name == "range" and not node.kwargs:
            return self._combine([self.values(a, depth) for a in node.args], _range)
        if not isinstance(target, nodes.Getattr):
            return None
        method = _METHODS.get(target.attr)
        if method is None:
            return None
        args = [self.values(a, depth) for a in node.args]
        kwargs = [self.values(kw.value, depth) for kw in node.kwargs]
        return self._combine(
            [self.values(target.node, depth), *args, *kwargs], lambda v, *a: method(_string(v), *a)
        )


# -- operations on folded values (each raises _NoFold when it does not apply) -----------
def _scalar(value: object) -> bool:
    return value is None or isinstance(value, str | bool | int | float)


def _cap_text(value: str) -> str:
    return value[:MAX_FOLDED]


def _cap(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_FOLDED:
        return value[:MAX_FOLDED]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_INT:
        raise _NoFold
    return value


def _text(value: Any) -> str:
    """What ``~`` and ``|string`` make of a value (lists are not folded to text)."""
    if isinstance(value, tuple):
        raise _NoFold
    return value if isinstance(value, str) else str(value)


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise _NoFold
    return value


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _NoFold
    return value


def _sequence(value: Any) -> tuple[Any, ...]:
    if isinstance(value, str):
        return tuple(value)
    if isinstance(value, tuple):
        return value
    raise _NoFold


def _union(a: Candidates, b: Candidates) -> Candidates:
    return None if a is None or b is None else a | b


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, str) and isinstance(b, str):
        return _cap(a + b)
    if isinstance(a, tuple) and isinstance(b, tuple) and not isinstance(a, Keys):
        return (a + b)[:_MAX_ITEMS]
    return _cap(_number(a) + _number(b))


def _mul(a: Any, b: Any) -> Any:
    if isinstance(b, str | tuple):
        a, b = b, a
    if isinstance(a, str | tuple):
        count = int(_number(b)) if isinstance(b, int) else 0
        if count < 0:
            return a[:0]
        limit = MAX_FOLDED if isinstance(a, str) else _MAX_ITEMS
        return (a * min(count, limit // max(len(a), 1) + 1))[:limit]
    return _cap(_number(a) * _number(b))


def _pow(a: Any, b: Any) -> Any:
    base, exponent = _number(a), _number(b)
    if isinstance(exponent, int) and exponent > 256:
        raise _NoFold
    return _cap(base**exponent)


def _mod(a: Any, b: Any) -> Any:
    if isinstance(a, str):
        return _percent(a, b if isinstance(b, tuple) else (b,))
    return _number(a) % _number(b)


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    nodes.Add: _add,
    nodes.Mul: _mul,
    nodes.Mod: _mod,
    nodes.Pow: _pow,
    nodes.Sub: lambda a, b: _cap(_number(a) - _number(b)),
    nodes.Div: lambda a, b: _number(a) / _number(b),
    nodes.FloorDiv: lambda a, b: _number(a) // _number(b),
}


def _index(base: Any, key: Any) -> Any:
    if (
        isinstance(base, str | tuple)
        and not isinstance(base, Keys)
        and isinstance(key, int)
        and not isinstance(key, bool)
    ):
        return base[key]
    raise _NoFold


def _slice(base: Any, start: Any, stop: Any, step: Any) -> Any:
    if not isinstance(base, str | tuple) or isinstance(base, Keys):
        raise _NoFold
    for bound in (start, stop, step):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)):
            raise _NoFold
    return base[start:stop:step]


def _range(*bounds: Any) -> tuple[int, ...]:
    if not 1 <= len(bounds) <= 3 or not all(isinstance(b, int) for b in bounds):
        raise _NoFold
    numbers = range(*bounds)
    if len(numbers) > _MAX_ITEMS:
        raise _NoFold
    return tuple(numbers)


def _replace(value: Any, old: Any, new: Any) -> str:
    text, old_text, new_text = _string(value), _text(old), _text(new)
    if not old_text or text.count(old_text) * len(new_text) > MAX_FOLDED:
        raise _NoFold
    return text.replace(old_text, new_text)


def _percent(template: Any, args: tuple[Any, ...]) -> str:
    """``'%s...' % args`` / ``|format``: placeholders replaced in order (``%c`` of a number
    is its character: ``'%c' % 95 == '_'``)."""
    text = _string(template)
    queue = iter(args)

    def pick(match: re.Match[str]) -> str:
        arg = next(queue, "")
        if match.group().endswith("c") and isinstance(arg, int) and 0 <= arg < 0x110000:
            return chr(arg)
        return _text(arg)

    return _cap_text(_PERCENT.sub(pick, text[:MAX_FOLDED]))


def _braces(template: str, *args: Any) -> str:
    """``'{0}{}'.format(...)``: ``{n}`` picks by position, other fields take the next."""
    queue = iter(args)

    def pick(match: re.Match[str]) -> str:
        field = match.group().strip("{}").split(":")[0].split("!")[0]
        if field.isdigit():
            index = int(field)
            return _text(args[index]) if index < len(args) else ""
        return _text(next(queue, ""))

    return _cap_text(_BRACES.sub(pick, template[:MAX_FOLDED]))


def _split(value: str, sep: Any = None, *_: Any) -> tuple[str, ...]:
    return tuple(value.split(None if sep is None else _text(sep))[:_MAX_ITEMS])


_METHODS: dict[str, Callable[..., Any]] = {
    "format": _braces,
    "join": lambda s, items: _cap(s.join(map(_text, _sequence(items)))),
    "replace": lambda s, old, new, *_: _replace(s, old, new),
    "lower": str.lower,
    "upper": str.upper,
    "title": str.title,
    "capitalize": str.capitalize,
    "swapcase": str.swapcase,
    "casefold": str.casefold,
    "strip": lambda s, *c: s.strip(*map(_text, c)),
    "lstrip": lambda s, *c: s.lstrip(*map(_text, c)),
    "rstrip": lambda s, *c: s.rstrip(*map(_text, c)),
    "removeprefix": lambda s, p: s.removeprefix(_text(p)),
    "removesuffix": lambda s, p: s.removesuffix(_text(p)),
    "split": _split,
}

_FILTERS: dict[str, Callable[[Any], Any]] = {
    "reverse": lambda v: _sequence(v)[::-1] if isinstance(v, tuple) else _string(v)[::-1],
    "lower": lambda v: _string(v).lower(),
    "upper": lambda v: _string(v).upper(),
    "capitalize": lambda v: _string(v).capitalize(),
    "title": lambda v: _string(v).title(),
    "trim": lambda v: _string(v).strip(),
    "string": _text,
    "e": _text,
    "escape": _text,
    "safe": _text,
    "forceescape": _text,
    "first": lambda v: _sequence(v)[0],
    "last": lambda v: _sequence(v)[-1],
    "list": lambda v: _sequence(v)[:_MAX_ITEMS],
    "sort": lambda v: tuple(sorted(_sequence(v))),
    "unique": lambda v: tuple(dict.fromkeys(_sequence(v))),
    "length": lambda v: len(_sequence(v)),
    "count": lambda v: len(_sequence(v)),
    "int": lambda v: int(v) if not isinstance(v, tuple) else _no_fold(),
}


def _no_fold() -> Any:
    raise _NoFold
