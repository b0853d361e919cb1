"""Where the names of a template get their values, and what kind of object each can hold.

A template hides a dunder or a global by moving it through names: ``{% set k %}__class__
{% endset %}``, ``{% set c = cycler %}``, a loop over ``[lipsum]``, a macro parameter,
``{% set ns.s = ns.s ~ piece %}``. ``Flow`` collects every binding (set, block set, for,
with, macro parameters at their call sites, namespace attributes) and solves them to a
fixed point, giving for each expression:

* its constant values, when the template alone decides them (see ``folding``), and
* its kinds: ``GLOBAL`` (a template global such as ``lipsum``, or anything reached from
  one), ``OBJECT`` (what calling a global returns: a namespace, a cycler), ``DATA`` (the
  render context: messages, tools...), ``LOCAL`` (values the template builds itself) and
  ``NUMBER``. A key the analysis cannot resolve is harmless only when the template does not
  choose it (data, numbers) and it is not applied to a global.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes

from weightscan.scanner.templates.folding import MAX_CANDIDATES, Candidates, Folder, Keys
from weightscan.scanner.templates.vocabulary import TEMPLATE_GLOBALS

GLOBAL, OBJECT, DATA, LOCAL, NUMBER = "global", "object", "data", "local", "number"
Kinds = frozenset[str]
REACHES_GLOBALS = frozenset({GLOBAL, OBJECT})
TEMPLATE_CHOSEN = frozenset({GLOBAL, OBJECT, LOCAL})  # values the template can pick

_IMPLICIT_GLOBALS = TEMPLATE_GLOBALS | {"loop", "caller"}
_CALL_RESULTS: dict[str, str] = {
    "namespace": OBJECT,
    "cycler": OBJECT,
    "joiner": OBJECT,
    "dict": OBJECT,
    "range": NUMBER,
}
LOOP_ATTRIBUTES: dict[str, str] = {
    "index": NUMBER,
    "index0": NUMBER,
    "revindex": NUMBER,
    "revindex0": NUMBER,
    "length": NUMBER,
    "depth": NUMBER,
    "depth0": NUMBER,
    "first": NUMBER,
    "last": NUMBER,
    "previtem": DATA,
    "nextitem": DATA,
    "cycle": LOCAL,
    "changed": NUMBER,
}
# strftime directives that print day, month, year, time and week fields (no %Z: time
# zone names vary by platform) between literal digits and punctuation: no letters or
# underscores, so the date cannot spell an attribute name the template chose.
_PLAIN_DATE_FORMAT = re.compile(r"(?:%[aAbBdHIjmMpSuUVwWyYGeh%]|[^%_A-Za-z])*")
_NUMERIC_FILTERS = frozenset({"length", "count", "int", "float", "abs", "round", "wordcount"})
_ROUNDS = 12


@dataclass(frozen=True)
class _Binding:
    how: str  # value | element | block | param | opaque
    node: Any  # the expression, loop iterable, block, or (macro, index) for a parameter


class Flow:
    """Bindings of one template, solved; query with ``kinds`` and ``values``."""

    def __init__(
        self, tree: nodes.Node, all_nodes: list[nodes.Node], tick: Callable[[], None] = lambda: None
    ) -> None:
        self.tick = tick  # called once per solving round (the scan's time check)
        self.bindings: dict[str, list[_Binding]] = defaultdict(list)
        self.macros: dict[str, nodes.Macro] = {}
        self.calls: dict[str, list[nodes.Call]] = defaultdict(list)
        for node in all_nodes:
            self._collect(node)
        self._kind_env: dict[str, Kinds] = {}
        self._value_env: dict[str, Candidates] = {}
        self._solve()

    # -- queries --------------------------------------------------------------------------
    def values(self, node: nodes.Node) -> Candidates:
        return self.folder.values(node)

    def strings(self, node: nodes.Node) -> frozenset[str] | None:
        return self.folder.strings(node)

    def block_values(self, node: nodes.AssignBlock) -> Candidates:
        return self.folder.block(node.body)

    def is_local(self, name: str) -> bool:
        return name in self.bindings or name in self.macros

    def alias(self, name: str) -> str:
        """The name ``name`` stands for through plain ``{% set a = b %}`` chains."""
        for _ in range(16):
            found = self.bindings.get(name)
            if (
                not found
                or len(found) != 1
                or found[0].how != "value"
                or not isinstance(found[0].node, nodes.Name)
            ):
                return name
            name = found[0].node.name
        return name

    def kinds(self, node: nodes.Node) -> Kinds:
        key = id(node)
        found = self._kind_memo.get(key)
        if found is None:
            self._kind_memo[key] = frozenset({LOCAL})  # cycles through odd trees stop here
            found = self._kinds(node)
            self._kind_memo[key] = found
        return found

    def pieces(self, node: nodes.Node, budget: int = 4096) -> frozenset[str]:
        """Every string constant that can flow into ``node``, through its names too."""
        found: set[str] = set()
        names: set[str] = set()
        stack: list[Any] = [node]
        while stack and budget > 0:
            budget -= 1
            item = stack.pop()
            if isinstance(item, nodes.Const):
                if isinstance(item.value, str):
                    found.add(item.value[:64])
                elif item.value == ord("_"):  # '%c' % 95
                    found.add("_")
            elif isinstance(item, nodes.TemplateData):
                found.add(item.data[:64])
            name = (
                item.name
                if isinstance(item, nodes.Name)
                else (
                    f"{item.node.name}.{item.attr}"
                    if isinstance(item, nodes.Getattr) and isinstance(item.node, nodes.Name)
                    else None
                )
            )
            if name is not None and name not in names:
                names.add(name)
                for binding in self.bindings.get(name, ()):
                    stack.extend(self._binding_sources(binding))
            stack.extend(item.iter_child_nodes())
        return frozenset(found)

    def _binding_sources(self, binding: _Binding) -> list[nodes.Node]:
        if binding.how != "param":
            return [] if binding.node is None else [binding.node]
        macro, index, default = binding.node
        sources = [default] if default is not None else []
        for call in self.calls.get(macro.name, []):
            arg = _argument(call, macro, index)
            sources += [n for n in (arg, call.dyn_args, call.dyn_kwargs) if n is not None]
        return sources

    # -- collecting bindings --------------------------------------------------------------
    def _collect(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Assign):
            self._bind(node.target, node.node)
        elif isinstance(node, nodes.AssignBlock):
            if isinstance(node.target, nodes.Name):
                self.bindings[node.target.name].append(_Binding("block", node))
            elif isinstance(node.target, nodes.NSRef):
                self.bindings[f"{node.target.name}.{node.target.attr}"].append(
                    _Binding("block", node)
                )
        elif isinstance(node, nodes.For):
            self._bind(node.target, node.iter, element=True)
        elif isinstance(node, nodes.With):
            for target, value in zip(node.targets, node.values, strict=False):
                self._bind(target, value)
        elif isinstance(node, nodes.Macro):
            self.macros[node.name] = node
            offset = len(node.args) - len(node.defaults)
            for index, arg in enumerate(node.args):
                default = node.defaults[index - offset] if index >= offset else None
                self.bindings[arg.name].append(_Binding("param", (node, index, default)))
        elif isinstance(node, nodes.Import | nodes.FromImport):
            names = (
                [node.target]
                if isinstance(node, nodes.Import)
                else [n if isinstance(n, str) else n[1] for n in node.names]
            )
            for name in names:
                self.bindings[name].append(_Binding("opaque", None))
        elif isinstance(node, nodes.CallBlock):
            for arg in node.args:  # {% call(x) m() %}: x is what the macro passes to caller()
                self.bindings[arg.name].append(_Binding("caller", None))
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
            self.calls[node.node.name].append(node)

    def _bind(self, target: nodes.Node, value: nodes.Node, *, element: bool = False) -> None:
        how = "element" if element else "value"
        if isinstance(target, nodes.Name):
            self.bindings[target.name].append(_Binding(how, value))
            if (
                not element
                and isinstance(value, nodes.Call)
                and isinstance(value.node, nodes.Name)
                and value.node.name == "namespace"
            ):
                for kw in value.kwargs:
                    self.bindings[f"{target.name}.{kw.key}"].append(_Binding("value", kw.value))
        elif isinstance(target, nodes.NSRef):
            self.bindings[f"{target.name}.{target.attr}"].append(_Binding(how, value))
        elif isinstance(target, nodes.Tuple):
            pairs = (
                value.items
                if not element
                and isinstance(value, nodes.Tuple | nodes.List)
                and len(value.items) == len(target.items)
                else None
            )
            for index, item in enumerate(target.items):
                if pairs is not None:
                    self._bind(item, pairs[index])
                else:
                    self._bind(item, value, element=True)

    # -- solving --------------------------------------------------------------------------
    def _solve(self) -> None:
        """Update each name in document order from the current values of the others
        (straight-line chains settle in one round), until nothing changes."""
        for name in self.bindings:
            self._kind_env[name] = frozenset()
            self._value_env[name] = frozenset()
        changing: set[str] = set()
        for _ in range(_ROUNDS):
            self.tick()
            changing = set()
            for name in self.bindings:
                self._start_round()  # memos hold results for the values of the moment
                kinds, values = self._binding_kinds(name), self._binding_values(name)
                if kinds != self._kind_env[name] or values != self._value_env[name]:
                    changing.add(name)
                    self._kind_env[name], self._value_env[name] = kinds, values
            if not changing:
                break
        for name in changing:  # still growing: no constant value can be trusted
            self._value_env[name] = None
        self._start_round()

    def _start_round(self) -> None:
        self.folder = Folder(self._lookup)
        self._kind_memo: dict[int, Kinds] = {}

    def _lookup(self, name: str) -> Candidates:
        if name in self._value_env:
            if name in TEMPLATE_GLOBALS and self._shadowed_only_maybe(name):
                return None
            return self._value_env[name]
        return None

    def _shadowed_only_maybe(self, name: str) -> bool:
        """A global rebound by ``set`` may still be the global where the set did not run."""
        return any(b.how not in ("element", "param") for b in self.bindings[name])

    def _binding_values(self, name: str) -> Candidates:
        result: set[Any] = set()
        for binding in self.bindings[name]:
            found = self._one_binding_values(binding)
            if found is None:
                return None
            result |= found
            if len(result) > MAX_CANDIDATES:
                return None
        return frozenset(result)

    def _one_binding_values(self, binding: _Binding) -> Candidates:
        if binding.how == "value":
            return self.folder.values(binding.node)
        if binding.how == "block":
            return None if binding.node.filter is not None else self.folder.block(binding.node.body)
        if binding.how == "element":
            return _elements(self.folder.values(binding.node))
        if binding.how == "param":
            return self._param_values(*binding.node)
        return None

    def _param_values(self, macro: nodes.Macro, index: int, default: Any) -> Candidates:
        sites = self.calls.get(macro.name, [])
        result: set[Any] = set()
        if default is not None:
            found = self.folder.values(default)
            if found is None:
                return None
            result |= found
        if not sites:
            return frozenset(result) if default is not None else None
        for call in sites:
            if call.dyn_args is not None or call.dyn_kwargs is not None:
                return None
            arg = _argument(call, macro, index)
            if arg is None:
                continue
            found = self.folder.values(arg)
            if found is None:
                return None
            result |= found
        return frozenset(result)

    def _binding_kinds(self, name: str) -> Kinds:
        # Scopes are not modelled: a use of a bound name may still be the render context's
        # variable of that name (a macro parameter named like one), or the global.
        result: set[str] = set()
        if name not in _IMPLICIT_GLOBALS:
            result.add(DATA)
        elif self._shadowed_only_maybe(name):
            result.add(GLOBAL)
        for binding in self.bindings[name]:
            if binding.how in ("value", "element"):
                result |= self.kinds(binding.node)
            elif binding.how == "block":
                result.add(LOCAL)
            elif binding.how == "param":
                macro, index, default = binding.node
                if default is not None:
                    result |= self.kinds(default)
                sites = self.calls.get(macro.name, [])
                for call in sites:
                    arg = _argument(call, macro, index)
                    if arg is not None:
                        result |= self.kinds(arg)
                    for extra in (call.dyn_args, call.dyn_kwargs):
                        if extra is not None:
                            result |= self.kinds(extra)
                if not sites and default is None:
                    result.add(DATA)
            elif binding.how == "caller":
                result |= self._arguments_of(["caller"])
            else:
                result.add(GLOBAL)
        return frozenset(result)

    def _arguments_of(self, callees: Any) -> Kinds:
        """Kinds of every argument passed to these callees (macros' varargs, caller args)."""
        result: set[str] = set()
        for name in callees:
            for call in self.calls.get(name, []):
                for arg in [
                    *call.args,
                    *(kw.value for kw in call.kwargs),
                    call.dyn_args,
                    call.dyn_kwargs,
                ]:
                    if arg is not None:
                        result |= self.kinds(arg)
        return frozenset(result)

    # -- kinds of expressions ---------------------------------------------------------------
    def _name_kinds(self, name: str) -> Kinds:
        if name in self._kind_env:
            return self._kind_env[name]
        if name in _IMPLICIT_GLOBALS or name in self.macros:
            return frozenset({GLOBAL})
        if name in ("varargs", "kwargs"):  # a macro's extra arguments, from any call site
            return frozenset({DATA}) | self._arguments_of(self.macros)
        return frozenset({DATA})

    def _kinds(self, node: nodes.Node) -> Kinds:
        if isinstance(node, nodes.Name):
            return self._name_kinds(node.name)
        if isinstance(node, nodes.Const):
            return frozenset({LOCAL if isinstance(node.value, str) else NUMBER})
        if isinstance(node, nodes.TemplateData):
            return frozenset({LOCAL})
        if isinstance(node, nodes.List | nodes.Tuple | nodes.Dict):
            # what indexing or iterating yields: the items (an empty literal yields nothing)
            return frozenset().union(*(self.kinds(c) for c in node.iter_child_nodes()))
        if isinstance(node, nodes.Pair):
            return self.kinds(node.value)
        if isinstance(node, nodes.Getattr):
            return self._member_kinds(node.node, node.attr)
        if isinstance(node, nodes.Getitem):
            if isinstance(node.arg, nodes.Slice):
                return self.kinds(node.node)
            return self._member_kinds(node.node, None)
        if isinstance(node, nodes.Call):
            return self._call_kinds(node)
        if isinstance(node, nodes.Filter):
            if node.name in _NUMERIC_FILTERS:
                return frozenset({NUMBER})
            parts = [node.node] if node.node is not None else []
            parts += [*node.args, *(kw.value for kw in node.kwargs)]
            return frozenset().union(*(self.kinds(p) for p in parts))
        if isinstance(
            node,
            nodes.Sub
            | nodes.Div
            | nodes.FloorDiv
            | nodes.Pow
            | nodes.Neg
            | nodes.Pos
            | nodes.Compare
            | nodes.Not
            | nodes.Test
            | nodes.Slice,
        ):
            return frozenset({NUMBER})
        if isinstance(node, nodes.BinExpr):  # Add, Mul, Mod, And, Or
            return self.kinds(node.left) | self.kinds(node.right)
        if isinstance(node, nodes.Concat):
            return frozenset().union(*(self.kinds(n) for n in node.nodes))
        if isinstance(node, nodes.CondExpr):
            other = self.kinds(node.expr2) if node.expr2 is not None else frozenset({LOCAL})
            return self.kinds(node.expr1) | other
        return frozenset({LOCAL})

    def _member_kinds(self, base: nodes.Node, attr: str | None) -> Kinds:
        result: set[str] = set()
        for kind in self.kinds(base):
            if kind == GLOBAL:
                if (
                    isinstance(base, nodes.Name)
                    and self.alias(base.name) == "loop"
                    and attr in LOOP_ATTRIBUTES
                ):
                    result.add(LOOP_ATTRIBUTES[attr])
                else:
                    result.add(GLOBAL)
            elif kind == OBJECT:
                name = f"{base.name}.{attr}" if isinstance(base, nodes.Name) and attr else None
                if name is not None and name in self._kind_env:
                    result |= self._kind_env[name]
                elif isinstance(base, nodes.Call):  # namespace(a=lipsum).a
                    result |= {DATA} | self._call_arguments(base)
                else:
                    result.add(DATA)
            elif kind == LOCAL and attr is not None:
                # an attribute of a template string is a method (or undefined), not text;
                # a dict literal's value read as an attribute is caught by its pieces
                continue
            else:
                result.add(kind)
        return frozenset(result)

    def _call_arguments(self, node: nodes.Call) -> Kinds:
        return frozenset().union(
            *(self.kinds(a) for a in node.args), *(self.kinds(kw.value) for kw in node.kwargs)
        )

    def _call_kinds(self, node: nodes.Call) -> Kinds:
        arguments = self._call_arguments(node)
        target = node.node
        if isinstance(target, nodes.Name):
            name = self.alias(target.name)
            if name in self.macros or name == "caller":
                return frozenset({LOCAL})
            if name in _IMPLICIT_GLOBALS and not self.is_local(name):
                if name == "strftime_now" and self._plain_date_format(node):
                    return frozenset({DATA})  # the renderer's clock, not the template's pick
                return frozenset({_CALL_RESULTS.get(name, LOCAL)})
        callee = (
            self.kinds(target.node) if isinstance(target, nodes.Getattr) else self.kinds(target)
        )
        return callee | arguments

    def _plain_date_format(self, call: nodes.Call) -> bool:
        """``strftime_now('%A')``: a constant format of directives that print letters,
        digits and punctuation, with no underscore to spell a private name with."""
        if len(call.args) != 1 or call.kwargs or call.dyn_args or call.dyn_kwargs:
            return False
        formats = self.strings(call.args[0])
        return (
            formats is not None
            and bool(formats)
            and all(_PLAIN_DATE_FORMAT.fullmatch(f) for f in formats)
        )


def _argument(call: nodes.Call, macro: nodes.Macro, index: int) -> nodes.Node | None:
    if index < len(call.args):
        return call.args[index]  # type: ignore[no-any-return]
    name = macro.args[index].name
    for kw in call.kwargs:
        if kw.key == name:
            return kw.value  # type: ignore[no-any-return]
    return None


def _elements(found: Candidates) -> Candidates:
    """What a for loop over these values binds its target to."""
    if found is None:
        return None
    result: set[Any] = set()
    for value in found:
        if isinstance(value, str | tuple):
            result.update(value if not isinstance(value, Keys) else tuple(value))
        else:
            return None
        if len(result) > MAX_CANDIDATES:
            return None
    return frozenset(result)
