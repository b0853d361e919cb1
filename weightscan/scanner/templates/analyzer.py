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
from weightscan.scanner.templates.folding import fold
from weightscan.scanner.templates.vocabulary import (
    ATTRIBUTE_FILTERS,
    CALLABLE_GLOBALS,
    INTERNAL_ATTRIBUTES,
    KNOWN_FILTERS,
    KNOWN_TESTS,
    METHODS,
    TEMPLATE_GLOBALS,
)

_EXCERPT = 160
_MAX_FINDINGS_PER_TEMPLATE = 50
_DUNDER_TEXT = re.compile(r"__[A-Za-z]\w*__|__(?:class|globals|builtins|subclasses|mro|base|"
                          r"init|import|getattribute|dict|code|reduce|loader|spec)")
# Lexer-token estimate: Jinja's parser cost follows its token count (tens of microseconds
# each) and cannot be interrupted, so a template with more tokens than a quarter of the
# node budget (50,000 by default; real templates have a few thousand) is not parsed.
_TOKEN = re.compile(r"[\w.]+|[^\w\s]")
_TOKENS_PER_NODE_BUDGET = 4
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


def analyze_template(text: str | bytes, ctx: ScanContext, *, name: str,
                     offset: int | None = None, size: int | None = None) -> None:
    """Report dangerous constructs in one chat template.

    ``text`` is the template (bytes are decoded as UTF-8); ``name`` says where it came
    from (``tokenizer.chat_template.tool_use``); ``offset`` is the template's byte offset
    in the file, so findings point at the offending line; ``size`` is its full length
    when ``text`` was cut short by the caller.
    """
    full_size = size if size is not None else len(text)
    if full_size > ctx.limits.max_template_bytes:
        ctx.report("templates.oversized", f"chat template {name!r} is {full_size} bytes, "
                   f"above the limit of {ctx.limits.max_template_bytes}", offset=offset,
                   evidence={"template": name, "bytes": full_size})
        return
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            ctx.report("templates.unparseable", f"chat template {name!r} is not UTF-8",
                       offset=None if offset is None else offset + exc.start,
                       evidence={"template": name})
            return
    _TemplateCheck(text, ctx, name, offset).run()


class _TemplateCheck:
    def __init__(self, text: str, ctx: ScanContext, name: str, offset: int | None) -> None:
        self.text, self.ctx, self.name, self.offset = text, ctx, name, offset
        self.lines = text.splitlines() or [""]
        self.reported: set[tuple[str, int, str]] = set()
        self.count = 0

    def run(self) -> None:
        tokens = len(_TOKEN.findall(self.text))
        limit = self.ctx.limits.max_template_nodes // _TOKENS_PER_NODE_BUDGET
        if tokens > limit:
            self.report("templates.oversized", f"about {tokens} tokens, above the limit of "
                        f"{limit}; not parsed", 1, "tokens")
            return
        try:
            tree = _ENV.parse(self.text, name=self.name)
        except TemplateSyntaxError as exc:
            self.report("templates.unparseable", f"does not parse: {exc.message}", exc.lineno or 1,
                        "syntax")
            return
        except (RecursionError, MemoryError):
            self.report("templates.unparseable", "does not parse: nested too deeply", 1, "syntax")
            return
        line, counted = 1, 0
        for index, match in enumerate(_ESCAPED_UNDERSCORE.finditer(self.text)):
            if index >= _MAX_FINDINGS_PER_TEMPLATE:
                break
            line += self.text.count("\n", counted, match.start())
            counted = match.start()
            self.report("templates.dunder-string", f"escaped underscore {match.group()!r} in a "
                        "string literal", line, match.group())
        local_names: set[str] = set()
        for node in _iter_nodes(tree):
            if ((isinstance(node, nodes.Name) and node.ctx in ("store", "param"))
                    or isinstance(node, nodes.Macro)):
                local_names.add(node.name)
        self.walk(tree, local_names)

    # -- reporting --------------------------------------------------------------------------
    def report(self, rule_id: str, what: str, lineno: int, key: str) -> None:
        if (rule_id, lineno, key) in self.reported:
            return
        self.reported.add((rule_id, lineno, key))
        self.count += 1
        if self.count > _MAX_FINDINGS_PER_TEMPLATE:
            return
        line = self.lines[min(max(lineno, 1), len(self.lines)) - 1]
        excerpt = line.strip()[:_EXCERPT]
        position = None
        if self.offset is not None:
            before = "\n".join(self.lines[: max(lineno, 1) - 1])
            position = self.offset + len(before.encode("utf-8")) + (1 if lineno > 1 else 0)
        self.ctx.report(rule_id, f"chat template {self.name!r} line {lineno}: {what}",
                        offset=position,
                        evidence={"template": self.name, "line": lineno, "excerpt": excerpt})

    # -- the walk -----------------------------------------------------------------------------
    def walk(self, tree: nodes.Node, local_names: set[str]) -> None:
        limit = self.ctx.limits.max_template_nodes
        for seen, node in enumerate(_iter_nodes(tree), 1):
            if seen % 4096 == 0:
                self.ctx.check_time()
            if seen > limit:
                self.report("templates.oversized", f"syntax tree has more than {limit} nodes",
                            1, "nodes")
                return
            self.check(node, local_names)

    def check(self, node: nodes.Node, local_names: set[str]) -> None:
        lineno = getattr(node, "lineno", 1) or 1
        if isinstance(node, nodes.Getattr):
            self.check_attribute_name(node.attr, lineno)
            self.check_global_reach(node.node, node.attr, lineno, local_names)
        elif isinstance(node, nodes.NSRef):  # {% set ns.attr = ... %}
            self.check_attribute_name(node.attr, lineno)
        elif isinstance(node, nodes.Getitem):
            self.check_subscript(node, lineno, local_names)
        elif isinstance(node, nodes.Filter):
            self.check_filter(node, lineno)
        elif isinstance(node, nodes.Test):
            if node.name not in KNOWN_TESTS:
                self.report("templates.unexpected-call", f"unknown test {node.name!r}", lineno,
                            node.name)
        elif isinstance(node, nodes.Call):
            self.check_call(node, lineno, local_names)
        elif isinstance(node, nodes.Const):
            if isinstance(node.value, str) and _DUNDER_TEXT.search(node.value):
                self.report("templates.dunder-string", f"string {node.value[:60]!r} names a "
                            "dunder", lineno, node.value[:60])
        elif isinstance(node, nodes.Keyword):
            if node.key.startswith("__"):
                self.report("templates.dunder-string", f"keyword argument {node.key!r}", lineno,
                            node.key)
        elif isinstance(node, nodes.Concat | nodes.Add | nodes.Mod | nodes.Mul):
            self.check_built_string(node, lineno)
        elif isinstance(node, nodes.Include | nodes.Import | nodes.FromImport | nodes.Extends
                        | nodes.Block):
            self.report("templates.unexpected-construct",
                        f"{type(node).__name__.lower()} statement", lineno, type(node).__name__)

    def check_attribute_name(self, attr: str, lineno: int) -> None:
        if attr.startswith("__"):
            self.report("templates.dunder-access", f"dunder attribute {attr!r}", lineno, attr)
        elif attr.startswith("_") or attr in INTERNAL_ATTRIBUTES:
            self.report("templates.private-access", f"internal attribute {attr!r}", lineno, attr)

    def check_global_reach(self, target: nodes.Node, attr: str, lineno: int,
                           local_names: set[str]) -> None:
        if (isinstance(target, nodes.Name) and target.name in TEMPLATE_GLOBALS
                and target.name not in local_names):
            self.report("templates.global-object",
                        f"attribute {attr!r} of template global {target.name!r}", lineno,
                        f"{target.name}.{attr}")

    def check_subscript(self, node: nodes.Getitem, lineno: int, local_names: set[str]) -> None:
        key = node.arg
        if isinstance(key, nodes.Const):
            if isinstance(key.value, str):
                self.check_attribute_name(key.value, lineno)
                self.check_global_reach(node.node, key.value, lineno, local_names)
            return
        if isinstance(key, nodes.Slice | nodes.Name | nodes.Getattr | nodes.Getitem):
            return  # messages[1:], tools[i], messages[loop.index0]: data, not names
        if _builds_string(key):
            self.check_computed_name(key, lineno)

    def check_computed_name(self, key: nodes.Node, lineno: int) -> None:
        name = fold(key)
        if name is None:
            self.report("templates.dynamic-attribute", "attribute or key name computed from "
                        "strings at render time", lineno, "computed")
        else:
            self.check_attribute_name(name, lineno)
            if not name.startswith("_"):
                self.report("templates.dynamic-attribute", f"key {name[:60]!r} is built from "
                            "string pieces", lineno, name[:60])

    def check_built_string(self, node: nodes.Node, lineno: int) -> None:
        if not _builds_string(node):
            return
        value = fold(node)
        if value is not None and _DUNDER_TEXT.search(value):
            self.report("templates.dunder-string", f"string pieces build {value[:60]!r}", lineno,
                        value[:60])

    def check_filter(self, node: nodes.Filter, lineno: int) -> None:
        if node.name not in KNOWN_FILTERS:
            self.report("templates.unexpected-call", f"unknown filter {node.name!r}", lineno,
                        node.name)
        if node.name in ("format", "join", "replace"):
            self.check_built_string(node, lineno)
        if node.name not in ATTRIBUTE_FILTERS:
            return
        arguments = list(node.args) + [kw.value for kw in node.kwargs]
        for arg in arguments:
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                for part in arg.value.split("."):  # attribute="a.b" resolves a dotted path
                    self.check_attribute_name(part, lineno)
            elif node.name == "attr":
                self.check_computed_name(arg, lineno)

    def check_call(self, node: nodes.Call, lineno: int, local_names: set[str]) -> None:
        target = node.node
        if isinstance(target, nodes.Name):
            if target.name not in CALLABLE_GLOBALS and target.name not in local_names:
                self.report("templates.unexpected-call", f"call of {target.name!r}", lineno,
                            target.name)
        elif isinstance(target, nodes.Getattr):
            if target.attr == "format":
                self.check_built_string(node, lineno)
            if target.attr not in METHODS and not target.attr.startswith("_"):
                self.report("templates.unexpected-call", f"call of method {target.attr!r}",
                            lineno, target.attr)
        elif not isinstance(target, nodes.Getitem):
            self.report("templates.unexpected-call", "call of a computed value", lineno,
                        type(target).__name__)


def _builds_string(node: nodes.Node) -> bool:
    """Does this expression glue strings together (concatenation, format, join...)?"""
    if isinstance(node, nodes.Concat):
        return True
    if isinstance(node, nodes.Add | nodes.Mod | nodes.Mul):
        return any(isinstance(n, nodes.Const) and isinstance(n.value, str)
                   for n in (node.left, node.right)) or _builds_string(node.left)
    if isinstance(node, nodes.Filter):
        return node.name in ("format", "join", "replace", "reverse", "string", "lower", "upper",
                             "trim", "first", "last")
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
        return node.node.attr in ("format", "join", "replace", "lower", "upper", "strip")
    return False


def _iter_nodes(tree: nodes.Node) -> Iterator[nodes.Node]:
    """Every node of the tree, depth-first, without recursion."""
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.iter_child_nodes())
