"""A NeMo archive's ``model_config.yaml``: every Hydra ``_target_`` NeMo would instantiate.

The YAML is composed into a node graph with PyYAML's safe composer (no object is ever
constructed, aliases stay shared nodes, so a "billion laughs" costs nothing), then
walked once per node within a node budget. OmegaConf, which NeMo loads it with, uses a
safe loader too: Python tags (``!!python/object``) make it fail, and are reported.
"""

from __future__ import annotations

import itertools
import re

import yaml

from weightscan.scanner.context import ScanContext
from weightscan.scanner.nemo.targets import classify
from weightscan.scanner.source import Source

CONFIG_MEMBER = "model_config.yaml"
MAX_CONFIG_BYTES = 4 << 20  # real configs are tens of kilobytes
MAX_NODES = 1_000_000
MAX_FLOW_DEPTH = 100
_BRACKETS = re.compile(r"[\[\]{}]")
# NeMo's from_config_dict also imports and calls the class named by ``target`` (the model
# class at the top of every config) and by the legacy ``cls`` key.
_CLASS_KEYS = frozenset({"target", "cls"})
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
# The pure-Python safe loader on purpose: libyaml's composer recurses in C and crashes
# the process on deeply nested input, where Python's raises RecursionError.
_Loader = yaml.SafeLoader


def analyze_nemo_config(source: Source, ctx: ScanContext) -> None:
    if source.size > MAX_CONFIG_BYTES:
        ctx.report(
            "nemo.config-invalid",
            f"model_config.yaml is larger than {MAX_CONFIG_BYTES} bytes; not checked",
            evidence={"size": source.size},
        )
        return
    text = source.head(source.size).decode("utf-8", "replace")
    if _flow_depth(text) > MAX_FLOW_DEPTH:
        # PyYAML slows down quadratically in deep flow collections: refuse before parsing
        ctx.report(
            "nemo.config-invalid",
            f"model_config.yaml nests brackets deeper than {MAX_FLOW_DEPTH}; not parsed",
            evidence={"limit": MAX_FLOW_DEPTH},
        )
        return
    try:
        root = yaml.compose(text, Loader=_Loader)
    except RecursionError:
        ctx.report("nemo.config-invalid", "model_config.yaml is nested too deeply to read")
        return
    except yaml.YAMLError as exc:
        ctx.report("nemo.config-invalid", f"model_config.yaml is not valid YAML: {str(exc)[:200]}")
        return
    targets, python_tags, complete = _walk(root)
    summary = "model_config.yaml: {more} more {rule} findings"
    with ctx.capped(ctx.limits.max_archive_findings_per_rule, summary=summary) as report:
        for path, target in targets:
            verdict = classify(target)
            if verdict == "safe":
                continue
            rule_id = "nemo.target.dangerous" if verdict == "dangerous" else "nemo.target.unknown"
            report(
                rule_id,
                f"model_config.yaml instantiates {target[:120]!r}",
                evidence={"target": target[:200], "path": path},
            )
    if python_tags:
        ctx.report(
            "nemo.config-invalid",
            f"model_config.yaml uses Python tags "
            f"({', '.join(python_tags[:5])}); the loader refuses them",
            evidence={"tags": python_tags[:5]},
        )
    if not complete:
        ctx.report(
            "nemo.config-invalid",
            f"model_config.yaml has more than {MAX_NODES} nodes; the rest was not checked",
            evidence={"limit": MAX_NODES},
        )
    ctx.note(
        "nemo_config",
        {"targets": len(targets), "distinct_targets": sorted({t[:120] for _, t in targets})[:20]},
    )


def _flow_depth(text: str) -> int:
    """The deepest ``[``/``{`` nesting, counting brackets inside quotes too (an overestimate
    only makes the check stricter)."""
    steps = (1 if c in "[{" else -1 for c in _BRACKETS.findall(text))
    return max(itertools.accumulate(steps, initial=0))


def _walk(root: yaml.Node | None) -> tuple[list[tuple[str, str]], list[str], bool]:
    """(path, target) of every ``_target_`` scalar, Python tags seen, whether all was seen."""
    targets: list[tuple[str, str]] = []
    tags: list[str] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "$")] if root is not None else []
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue  # an alias: the same node again
        seen.add(id(node))
        if len(seen) > MAX_NODES:
            return targets, tags, False
        if node.tag.startswith("tag:yaml.org,2002:python/") and node.tag not in tags:
            tags.append(node.tag)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else "?"
                child = f"{path}.{name}"[:300]
                if isinstance(value, yaml.ScalarNode) and (
                    name == "_target_"
                    or (name in _CLASS_KEYS and _DOTTED.fullmatch(str(value.value)))
                ):
                    targets.append((child, str(value.value)))
                stack.append((key, child))
                stack.append((value, child))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, f"{path}[{i}]"[:300]) for i, v in enumerate(node.value))
    return targets, tags, True
