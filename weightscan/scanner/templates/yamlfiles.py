"""Chat templates in YAML configs.

Trainers and chat UIs render the template their YAML config sets: axolotl's
``chat_template_jinja`` (and a template given as ``chat_template``) goes to transformers'
``apply_chat_template``, text-generation-webui renders ``instruction_template``. Those
get the full analysis. Any other YAML string that holds Jinja syntax is rendered by no
loader we know: an injection there is suspicious at most (``unrendered``).

The YAML is composed (``yamlconfig.compose``: nodes only, bounded) only when the text
holds ``{{`` or ``{%``; a file that cannot be composed is reported by the YAML config
analyzer, which reads every YAML file.
"""

from __future__ import annotations

import yaml

from weightscan.scanner.context import ScanContext
from weightscan.scanner.source import Source
from weightscan.scanner.templates.analyzer import analyze_template
from weightscan.scanner.templates.unrendered import analyze_unrendered_template
from weightscan.scanner.yamlconfig.compose import (
    MAX_CONFIG_BYTES,
    MAX_NODES,
    YamlUnreadable,
    compose,
)

RENDERED_KEYS = frozenset({"chat_template", "chat_template_jinja", "instruction_template"})
_MAX_TEMPLATES = 64
_MARKERS = (b"{{", b"{%")


def analyze_yaml_templates(source: Source, ctx: ScanContext) -> None:
    raw = source.head(min(source.size, MAX_CONFIG_BYTES + 1))
    if not any(marker in raw for marker in _MARKERS):
        return
    try:
        roots = compose(raw.decode("utf-8", "replace"), single=False)
    except YamlUnreadable:
        return  # yaml.config-invalid, from the YAML config analyzer
    found, complete = _templates(roots)
    if not complete:
        ctx.report(
            "templates.oversized",
            f"YAML file has more than {MAX_NODES} nodes; the rest was not analysed",
            evidence={"limit": MAX_NODES},
        )
    for i, (key, path, value) in enumerate(found):
        if i >= _MAX_TEMPLATES:
            ctx.report(
                "templates.oversized",
                f"more than {_MAX_TEMPLATES} templates in this YAML file; the rest were "
                "not analysed",
                evidence={"limit": _MAX_TEMPLATES},
            )
            return
        if key in RENDERED_KEYS:
            analyze_template(value, ctx, name=path)
        else:
            analyze_unrendered_template(value, ctx, name=path)


def _templates(roots: list[yaml.Node]) -> tuple[list[tuple[str, str, str]], bool]:
    """(key, path, text) of every string scalar that holds Jinja syntax, and whether every
    node was seen."""
    found: list[tuple[str, str, str]] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str, str]] = [(root, "$", "") for root in roots]
    while stack and len(seen) < MAX_NODES:
        node, path, key = stack.pop()
        if id(node) in seen:
            continue  # an alias: the same node again
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                name = k.value if isinstance(k, yaml.ScalarNode) else "?"
                stack.append((v, f"{path}.{name}"[:200], name))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, f"{path}[{i}]"[:200], key) for i, v in enumerate(node.value))
        elif isinstance(node, yaml.ScalarNode) and ("{{" in node.value or "{%" in node.value):
            found.append((key, path, node.value))
    found.reverse()  # file order
    return found, not stack
