"""Static analysis of a Jinja2 chat template: parse it, never render it, walk the tree.

The template is parsed by Jinja2's own parser (the same grammar llama-cpp-python and
transformers render with) and its syntax tree is walked for the routes by which a
template reaches Python objects: dunder and private attributes by any spelling
(attribute, subscript, ``attr`` filter, names built from strings, escapes), attributes
of template globals, computed attribute names, and calls outside the small vocabulary
real chat templates use. Nothing is compiled or evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.ext import Extension
from jinja2.parser import Parser

from weightscan.scanner.context import ScanContext
from weightscan.scanner.model import Severity
from weightscan.scanner.templates.dataflow import (
    GLOBAL,
    LOOP_ATTRIBUTES,
    REACHES_GLOBALS,
    TEMPLATE_CHOSEN,
    Flow,
)
from weightscan.scanner.templates.dos import render_costs
from weightscan.scanner.templates.vocabulary import (
    ATTRIBUTE_POSITIONS,
    CALLABLE_GLOBALS,
    DANGEROUS_NAMES,
    INTERNAL_ATTRIBUTES,
    KNOWN_FILTERS,
    KNOWN_TESTS,
    METHODS,
    RENDERER_FILTERS,
)

_EXCERPT = 160
# What jinja2's lexer raises: syntax errors, and ValueError for an int literal longer than
# Python's int-to-str digit limit (4300 digits).
_LEX_ERRORS = (TemplateSyntaxError, ValueError)
_DUNDER_TEXT = re.compile(
    r"__[A-Za-z]\w*__|__(?:class|globals|builtins|subclasses|mro|base|"
    r"init|import|getattribute|dict|code|reduce|loader|spec)"
)
# Lexer-token estimate: Jinja's parser cost follows its token count (tens of microseconds
# each) and cannot be interrupted, so a template with more tokens than a quarter of the
# node budget (50,000 by default; real templates have a few thousand) is not parsed.
_TOKEN = re.compile(r"[\w.]+|[^\w\s]")
_TOKENS_PER_NODE_BUDGET = 4
_NAME_LIKE = re.compile(r"[\w.]+")
_ESCAPED_UNDERSCORE = re.compile(r"\\(?:x5[fF]|u005[fF]|U0000005[fF]|137|N\{LOW LINE\})")


class _GenerationTag(Extension):
    """Parses transformers' ``{% generation %}...{% endgeneration %}`` (a marker block)."""

    tags = {"generation"}  # noqa: RUF012 - Extension API expects a class attribute

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.Scope(body, lineno=lineno)


def _environment() -> Environment:
    # The extensions only teach the parser extra tags real templates use
    # ({% break %}, {% continue %}, {% do %}, {% generation %}); nothing is rendered.
    # Autoescaping is irrelevant to a parse-only environment.
    return Environment(extensions=["jinja2.ext.loopcontrols", "jinja2.ext.do", _GenerationTag])  # noqa: S701


_ENV = _environment()


def analyze_template(
    text: str | bytes,
    ctx: ScanContext,
    *,
    name: str,
    offset: int | None = None,
    size: int | None = None,
) -> None:
    """Report dangerous constructs in one chat template.

    ``text`` is the template (bytes are decoded as UTF-8); ``name`` says where it came
    from (``tokenizer.chat_template.tool_use``); ``offset`` is the template's byte offset
    in the file, so findings point at the offending line; ``size`` is its full length
    when ``text`` was cut short by the caller.
    """
    full_size = size if size is not None else len(text)
    cap = ctx.limits.max_template_bytes
    truncated = full_size > cap
    if truncated:
        # The prefix is still analysed: a payload in the first megabyte is not hidden by
        # padding the template, and the finding keeps the file from scanning clean.
        ctx.report(
            "templates.oversized",
            f"chat template {name!r} is {full_size} bytes, "
            f"above the limit of {cap}; only the first {cap} bytes were analysed, the "
            "rest was not analysed",
            offset=offset,
            evidence={"template": name, "bytes": full_size, "analysed": cap},
        )
        text = text[:cap]
    if isinstance(text, bytes):
        raw = text
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if not (truncated and exc.start >= len(raw) - 3):  # not just a cut character
                # llama.cpp and minja render bytes; the rest is analysed all the same
                ctx.report(
                    "templates.unparseable",
                    f"chat template {name!r} is not UTF-8",
                    offset=None if offset is None else offset + exc.start,
                    evidence={"template": name},
                )
            text = raw.decode("utf-8", "replace")
    check = _TemplateCheck(text, ctx, name, offset, truncated=truncated)
    with check.report_capped:
        check.run()


class _TemplateCheck:
    def __init__(
        self, text: str, ctx: ScanContext, name: str, offset: int | None, *, truncated: bool = False
    ) -> None:
        self.ctx, self.name, self.offset = ctx, name, offset
        if truncated:  # end the prefix after its last complete tag
            end = max(text.rfind(closer) for closer in ("}}", "%}", "#}"))
            text = text[: end + 2] if end >= 0 else ""
        self.truncated, self.text = truncated, text
        self.lines = text.splitlines() or [""]
        self.reported: set[tuple[str, int, str]] = set()
        self.report_capped = ctx.capped(
            ctx.limits.max_findings_per_rule,
            summary=f"chat template {name!r}: {{more}} more {{rule}} findings",
            summary_offset=offset,
        )
        self.pieces_budget = 256  # unresolved keys traced back to their string pieces

    def run(self) -> None:
        tokens = len(_TOKEN.findall(self.text))
        limit = self.ctx.limits.max_template_nodes // _TOKENS_PER_NODE_BUDGET
        if tokens > limit:
            self.report(
                "templates.oversized",
                f"about {tokens} tokens, above the limit of "
                f"{limit}; not parsed, only its first {limit} tokens read for names",
                1,
                "tokens",
            )
            self.lexical_scan(limit)
            return
        try:
            tree = _ENV.parse(self.text, name=self.name)
        except TemplateSyntaxError as exc:
            if not self.truncated:  # a cut prefix fails for the cut; already reported
                self.report(
                    "templates.unparseable",
                    f"does not parse: {exc.message}",
                    exc.lineno or 1,
                    "syntax",
                )
            self.lexical_scan(limit)
            return
        except ValueError as exc:  # jinja2's lexer: an int literal past Python's digit limit
            self.report("templates.unparseable", f"does not parse: {exc}", 1, "syntax")
            self.lexical_scan(limit)
            return
        except (RecursionError, MemoryError):
            self.report("templates.unparseable", "does not parse: nested too deeply", 1, "syntax")
            self.lexical_scan(limit)
            return
        self.escaped_underscores()
        all_nodes = list(_iter_nodes(tree))
        limit = self.ctx.limits.max_template_nodes
        if len(all_nodes) > limit:
            self.report(
                "templates.oversized", f"syntax tree has more than {limit} nodes", 1, "nodes"
            )
            return
        self.ctx.check_time()
        self.flow = Flow(tree, all_nodes, self.ctx.check_time)
        self.walk(all_nodes)
        for lineno, what, key in render_costs(tree, all_nodes, self.flow):
            self.report("templates.render-dos", what, lineno, key)

    def lexical_scan(self, limit: int) -> None:
        """Without a syntax tree (other engines may still render it), read the tokens:
        dunder names and strings that spell dunders are what every payload needs."""
        try:
            for index, (lineno, kind, value) in enumerate(_ENV.lex(self.text)):
                if index >= limit:
                    return
                if index % 4096 == 0:
                    self.ctx.check_time()
                if kind == "name" and value.startswith("__"):
                    self.report("templates.dunder-access", f"dunder name {value!r}", lineno, value)
                elif kind == "string" and _names_dunder(value.strip("'\"")):
                    self.report(
                        "templates.dunder-string",
                        f"string {value[:60]} names a dunder",
                        lineno,
                        value[:60],
                    )
        except _LEX_ERRORS:
            return
        self.escaped_underscores()

    def escaped_underscores(self) -> None:
        """``\\x5f`` and friends inside string literals (prose around the tags is output)."""
        if not _ESCAPED_UNDERSCORE.search(self.text):
            return
        try:
            for lineno, kind, value in _ENV.lex(self.text):
                if kind == "string" and _ESCAPED_UNDERSCORE.search(value):
                    self.report(
                        "templates.dunder-string",
                        "escaped underscore "
                        f"{_ESCAPED_UNDERSCORE.search(value).group()!r} in a string "  # type: ignore[union-attr]
                        "literal",
                        lineno,
                        value[:60],
                    )
        except _LEX_ERRORS:
            return

    # -- reporting --------------------------------------------------------------------------
    def report(
        self, rule_id: str, what: str, lineno: int, key: str, severity: Severity | None = None
    ) -> None:
        if (rule_id, lineno, key) in self.reported:
            return
        self.reported.add((rule_id, lineno, key))
        if not self.report_capped.has_room(rule_id):  # counted, without placing it
            self.report_capped.hold(rule_id, severity)
            return
        line = self.lines[min(max(lineno, 1), len(self.lines)) - 1]
        excerpt = line.strip()[:_EXCERPT]
        position = None
        if self.offset is not None:
            before = "\n".join(self.lines[: max(lineno, 1) - 1])
            position = self.offset + len(before.encode("utf-8")) + (1 if lineno > 1 else 0)
        self.report_capped(
            rule_id,
            f"chat template {self.name!r} line {lineno}: {what}",
            offset=position,
            severity=severity,
            evidence={"template": self.name, "line": lineno, "excerpt": excerpt},
        )

    # -- the walk -----------------------------------------------------------------------------
    def walk(self, all_nodes: list[nodes.Node]) -> None:
        for seen, node in enumerate(all_nodes, 1):
            if seen % 4096 == 0:
                self.ctx.check_time()
            self.check(node)

    def check(self, node: nodes.Node) -> None:
        lineno = getattr(node, "lineno", 1) or 1
        if isinstance(node, nodes.Getattr):
            self.check_attribute_name(node.attr, lineno)
            self.check_global_reach(node.node, node.attr, lineno)
        elif isinstance(node, nodes.NSRef):  # {% set ns.attr = ... %}
            self.check_attribute_name(node.attr, lineno)
        elif isinstance(node, nodes.Getitem):
            self.check_subscript(node, lineno)
        elif isinstance(node, nodes.Filter):
            self.check_filter(node, lineno)
        elif isinstance(node, nodes.Test):
            if node.name not in KNOWN_TESTS:
                self.report(
                    "templates.unexpected-call", f"unknown test {node.name!r}", lineno, node.name
                )
        elif isinstance(node, nodes.Call):
            self.check_call(node, lineno)
        elif isinstance(node, nodes.Const):
            if isinstance(node.value, str) and _names_dunder(node.value):
                self.report(
                    "templates.dunder-string",
                    f"string {node.value[:60]!r} names a dunder",
                    lineno,
                    node.value[:60],
                )
        elif isinstance(node, nodes.Keyword):
            if node.key.startswith("__"):
                self.report(
                    "templates.dunder-string", f"keyword argument {node.key!r}", lineno, node.key
                )
        elif isinstance(node, nodes.Concat | nodes.Add | nodes.Mod | nodes.Mul | nodes.Name):
            if isinstance(node, nodes.Name) and node.name.startswith("__"):
                # no renderer passes such a variable: __builtins__, __import__ are payloads
                self.report(
                    "templates.dunder-access", f"dunder name {node.name!r}", lineno, node.name
                )
            self.check_built_string(node, lineno)
        elif isinstance(node, nodes.AssignBlock):
            for value in self.flow.block_values(node) or ():
                if isinstance(value, str) and _names_dunder(value.strip()):
                    self.report(
                        "templates.dunder-string",
                        f"block set builds {value.strip()[:60]!r}",
                        lineno,
                        value.strip()[:60],
                    )
        elif isinstance(
            node, nodes.Include | nodes.Import | nodes.FromImport | nodes.Extends | nodes.Block
        ):
            self.report(
                "templates.unexpected-construct",
                f"{type(node).__name__.lower()} statement",
                lineno,
                type(node).__name__,
            )

    def check_attribute_name(self, attr: str, lineno: int, *, dangerous: bool = False) -> None:
        if attr.startswith("__"):
            self.report("templates.dunder-access", f"dunder attribute {attr!r}", lineno, attr)
        elif attr.startswith("_") or attr in INTERNAL_ATTRIBUTES:
            self.report("templates.private-access", f"internal attribute {attr!r}", lineno, attr)
        elif dangerous and attr in DANGEROUS_NAMES:
            self.report(
                "templates.private-access",
                f"attribute {attr!r} names a module or function that runs code",
                lineno,
                attr,
            )

    def reaches_globals(self, node: nodes.Node) -> bool:
        return bool(self.flow.kinds(node) & REACHES_GLOBALS)

    def check_global_reach(self, target: nodes.Node, attr: str, lineno: int) -> None:
        if GLOBAL not in self.flow.kinds(target):
            return
        if (
            isinstance(target, nodes.Name)
            and self.flow.alias(target.name) == "loop"
            and attr in LOOP_ATTRIBUTES
        ):
            return
        label = target.name if isinstance(target, nodes.Name) else "a template global"
        self.report(
            "templates.global-object",
            f"attribute {attr!r} of template global {label!r}",
            lineno,
            f"{label}.{attr}",
        )

    def check_subscript(self, node: nodes.Getitem, lineno: int) -> None:
        key = node.arg
        if isinstance(key, nodes.Slice):
            return
        names = self.flow.strings(key)
        if names is not None:
            constant = isinstance(key, nodes.Const)
            for name in sorted(names):
                self.check_attribute_name(
                    name, lineno, dangerous=not constant or self.reaches_globals(node.node)
                )
                self.check_global_reach(node.node, name, lineno)
                if _builds_string(key) and not name.startswith("_"):
                    self.report(
                        "templates.dynamic-attribute",
                        f"key {name[:60]!r} is built from string pieces",
                        lineno,
                        name[:60],
                    )
            return
        self.check_unresolved(node.node, key, lineno, "key")

    def check_unresolved(
        self, base: nodes.Node, key: nodes.Node, lineno: int, what: str, *, always: bool = False
    ) -> None:
        """A key or attribute name the analysis cannot resolve to constants."""
        self.pieces_budget -= 1
        pieces = self.flow.pieces(key) if self.pieces_budget > 0 else frozenset()
        if any(p == "_" or "__" in p for p in pieces):
            shown = sorted(p for p in pieces if "_" in p)[:4]
            self.report(
                "templates.dunder-string",
                f"{what} assembled at render time from "
                f"pieces that can spell a dunder ({', '.join(map(repr, shown))})",
                lineno,
                f"pieces-{what}",
            )
        if self.reaches_globals(base):
            self.report(
                "templates.global-object",
                f"{what} computed at render time on a template global (or an alias of one)",
                lineno,
                f"computed-{what}",
            )
        elif always or _builds_string(key) or self.flow.kinds(key) & TEMPLATE_CHOSEN:
            chained = self.unresolved_below(base)
            self.report(
                "templates.dynamic-attribute",
                f"{what} computed at render time cannot be "
                "resolved" + ("; chained after another such key" if chained else ""),
                lineno,
                f"computed-{what}-{chained}",
                Severity.HIGH if chained else None,
            )

    def unresolved_below(self, node: nodes.Node) -> bool:
        """Is there an unresolvable, template-chosen key further down this access chain?"""
        for _ in range(64):
            if (
                isinstance(node, nodes.Getitem)
                and not isinstance(node.arg, nodes.Slice)
                and self.flow.values(node.arg) is None
                and self.flow.kinds(node.arg) & TEMPLATE_CHOSEN
            ):
                return True
            if (
                isinstance(node, nodes.Filter)
                and node.name == "attr"
                and node.args
                and self.flow.values(node.args[0]) is None
            ):
                return True
            inner = getattr(node, "node", None)
            if not isinstance(inner, nodes.Expr):
                return False
            node = inner
        return False

    def check_built_string(self, node: nodes.Node, lineno: int) -> None:
        if isinstance(node, nodes.Name) and node.ctx != "load":
            return
        values = self.flow.strings(node)
        for value in sorted(values or ())[:4]:
            if _names_dunder(value):
                self.report(
                    "templates.dunder-string",
                    f"string pieces build {value[:60]!r}",
                    lineno,
                    value[:60],
                )

    def check_filter(self, node: nodes.Filter, lineno: int) -> None:
        if node.name not in KNOWN_FILTERS:
            self.report(
                "templates.unexpected-call", f"unknown filter {node.name!r}", lineno, node.name
            )
        if (
            node.name in RENDERER_FILTERS
            and node.node is not None
            and self.flow.kinds(node.node) & TEMPLATE_CHOSEN
        ):
            # decoding JSON the template writes itself hides names inside a string
            self.report(
                "templates.unexpected-call",
                f"filter {node.name!r} decodes text the template builds",
                lineno,
                f"{node.name}-local",
            )
        self.check_built_string(node, lineno)
        for arg in _attribute_arguments(node):
            names = self.flow.strings(arg)
            if names is None:
                base = node.node if node.node is not None else arg
                # any computed attribute name is reported: data can name attributes too
                self.check_unresolved(base, arg, lineno, "attribute", always=True)
                continue
            computed = not isinstance(arg, nodes.Const) or (
                node.node is not None and self.reaches_globals(node.node)
            )
            for name in sorted(names):
                for part in name.split("."):  # attribute="a.b" resolves a dotted path
                    self.check_attribute_name(part, lineno, dangerous=computed)
                    if node.name == "attr" and node.node is not None:
                        self.check_global_reach(node.node, part, lineno)
        if node.name in ("map", "select", "reject", "selectattr", "rejectattr") and node.args:
            which = (
                node.args[0]
                if node.name in ("map", "select", "reject")
                else node.args[1]
                if len(node.args) > 1
                else None
            )
            if which is not None and self.flow.strings(which) is None:
                self.report(
                    "templates.unexpected-call",
                    f"filter or test name of {node.name!r} is computed at render time",
                    lineno,
                    "computed",
                )

    def check_call(self, node: nodes.Call, lineno: int) -> None:
        target = node.node
        if isinstance(target, nodes.Name):
            name = self.flow.alias(target.name)
            aliased = name != target.name
            if (
                name not in CALLABLE_GLOBALS
                and (aliased or not self.flow.is_local(name))
                and name not in self.flow.macros
            ):
                self.report("templates.unexpected-call", f"call of {name!r}", lineno, name)
        elif isinstance(target, nodes.Getattr):
            if target.attr not in METHODS and not target.attr.startswith("_"):
                self.report(
                    "templates.unexpected-call",
                    f"call of method {target.attr!r}",
                    lineno,
                    target.attr,
                )
        elif isinstance(target, nodes.Getitem):
            self.report(
                "templates.unexpected-call",
                "call of a subscripted value",
                lineno,
                "subscript",
                Severity.HIGH if self.reaches_globals(target) else None,
            )
        else:
            self.report(
                "templates.unexpected-call",
                "call of a computed value",
                lineno,
                type(target).__name__,
            )


def _names_dunder(text: str) -> bool:
    """Does this string spell a dunder as a name would (``'__class__'``, ``'a.__init__'``),
    rather than prose or a marker that mentions one (``'<__media__>'``)? Uses of other
    strings as names are caught where they are used, after folding."""
    return bool(_DUNDER_TEXT.search(text)) and _NAME_LIKE.fullmatch(text) is not None


def _attribute_arguments(node: nodes.Filter) -> list[nodes.Node]:
    """The arguments of a filter that name attributes (``attribute=``, ``attr('x')``...)."""
    found: list[nodes.Node] = [kw.value for kw in node.kwargs if kw.key == "attribute"]
    position = ATTRIBUTE_POSITIONS.get(node.name)
    if position is not None and len(node.args) > position:
        found.append(node.args[position])
    if (
        node.name == "map"
        and node.args
        and isinstance(node.args[0], nodes.Const)
        and node.args[0].value == "attr"
        and len(node.args) > 1
    ):
        found.append(node.args[1])
    return found


def _builds_string(node: nodes.Node) -> bool:
    """Does this expression glue strings together (concatenation, format, join...)?"""
    if isinstance(node, nodes.Concat):
        return True
    if isinstance(node, nodes.Add | nodes.Mod | nodes.Mul):
        return any(
            isinstance(n, nodes.Const) and isinstance(n.value, str) for n in (node.left, node.right)
        ) or _builds_string(node.left)
    if isinstance(node, nodes.Filter):
        return node.name in (
            "format",
            "join",
            "replace",
            "reverse",
            "string",
            "lower",
            "upper",
            "trim",
            "first",
            "last",
        )
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
        return node.node.attr in ("format", "join", "replace", "lower", "upper", "strip")
    return False


def _iter_nodes(tree: nodes.Node) -> Iterator[nodes.Node]:
    """Every node of the tree in document order (depth-first), without recursion."""
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(list(node.iter_child_nodes())))
