"""Read a YAML config into PyYAML's node graph, bounded, and list what it makes loaders call.

The YAML is composed with PyYAML's safe composer (no object is ever constructed, aliases
stay shared nodes, so a "billion laughs" costs nothing), stopped at a node budget while
it composes (each pure-Python node costs about a kilobyte and tens of microseconds) and
checking the file's time budget, then walked once per node. Tags survive composition as
written (``%TAG`` handles resolved), which is what every loader's constructor matches on.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from weightscan.scanner.source import Source

MAX_CONFIG_BYTES = 4 << 20  # real configs are tens of kilobytes
# Real configs have thousands of nodes; an ESPnet config.yaml with a 50,000-token
# vocabulary list is among the largest.
MAX_NODES = 200_000
_CHECK_EVERY = 1024  # nodes or tokens between time checks
MAX_FLOW_DEPTH = 100
_BRACKETS = re.compile(r"[\[\]{}]")
# NeMo's from_config_dict also imports and calls the class named by ``target`` (the model
# class at the top of every config) and by the legacy ``cls`` key; so do the
# ``instantiate_from_config`` helpers of latent-diffusion style configs.
_CLASS_KEYS = frozenset({"target", "cls"})
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


class YamlUnreadable(Exception):
    """The text could not be composed; the message says why (what was not checked)."""


def _no_deadline() -> None:
    return None


# The pure-Python safe loader on purpose: libyaml's composer recurses in C and crashes
# the process on deeply nested input, where Python's raises RecursionError.
class _BoundedLoader(yaml.SafeLoader):  # type: ignore[misc]
    """PyYAML's safe composer, stopped past ``MAX_NODES`` nodes, checking the time."""

    def __init__(self, text: str, check_time: Callable[[], None]) -> None:
        super().__init__(text)
        self._check_time = check_time
        self._nodes = 0
        self._tokens = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YamlUnreadable(f"has more than {MAX_NODES} nodes; not read further")
        if self._nodes % _CHECK_EVERY == 0:
            self._check_time()
        return super().compose_node(parent, index)

    def fetch_more_tokens(self) -> None:
        self._tokens += 1
        if self._tokens % _CHECK_EVERY == 0:
            self._check_time()
        super().fetch_more_tokens()


@dataclass
class YamlFacts:
    targets: list[tuple[str, str]] = field(default_factory=list)  # (path, Hydra target)
    tags: list[tuple[str, str]] = field(default_factory=list)  # (path, tag) of non-core tags
    complete: bool = True  # every node was walked


def compose_source(
    source: Source, *, single: bool, check_time: Callable[[], None] = _no_deadline
) -> list[yaml.Node]:
    """The documents of a YAML file, read only when it is within the size cap."""
    if source.size > MAX_CONFIG_BYTES:
        raise YamlUnreadable(f"is larger than {MAX_CONFIG_BYTES} bytes; not checked")
    text = source.head(source.size).decode("utf-8", "replace")
    return compose(text, single=single, check_time=check_time)


def compose(
    text: str, *, single: bool, check_time: Callable[[], None] = _no_deadline
) -> list[yaml.Node]:
    """The documents of ``text`` (``single``: exactly one, as ``yaml.load`` reads);
    ``check_time`` is called now and then and may raise to stop."""
    if len(text) > MAX_CONFIG_BYTES:
        raise YamlUnreadable(f"is larger than {MAX_CONFIG_BYTES} bytes; not checked")
    if flow_depth(text) > MAX_FLOW_DEPTH:
        # PyYAML slows down quadratically in deep flow collections: refuse before parsing
        raise YamlUnreadable(f"nests brackets deeper than {MAX_FLOW_DEPTH}; not parsed")
    try:
        loader = _BoundedLoader(text, check_time)  # its reader checks the characters
    except yaml.YAMLError as exc:
        raise YamlUnreadable(f"is not valid YAML: {str(exc)[:200]}") from None
    try:
        if single:
            root = loader.get_single_node()
            return [] if root is None else [root]
        roots = []
        while loader.check_node():
            roots.append(loader.get_node())
        return roots
    except RecursionError:
        raise YamlUnreadable("is nested too deeply to read") from None
    except yaml.YAMLError as exc:
        raise YamlUnreadable(f"is not valid YAML: {str(exc)[:200]}") from None
    finally:
        loader.dispose()


def flow_depth(text: str) -> int:
    """The deepest ``[``/``{`` nesting, counting brackets inside quotes too (an overestimate
    only makes the check stricter)."""
    steps = (1 if c in "[{" else -1 for c in _BRACKETS.findall(text))
    return max(itertools.accumulate(steps, initial=0))


def walk(roots: list[yaml.Node]) -> YamlFacts:
    """Every Hydra-style target scalar and every tag outside YAML's core schema."""
    facts = YamlFacts()
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "$") for root in reversed(roots)]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue  # an alias: the same node again
        seen.add(id(node))
        if len(seen) > MAX_NODES:
            facts.complete = False
            return facts
        if not node.tag.startswith("tag:yaml.org,2002:") or "python/" in node.tag:
            facts.tags.append((path, node.tag))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else "?"
                child = f"{path}.{name}"[:300]
                if isinstance(value, yaml.ScalarNode) and _names_a_target(name, value.value):
                    facts.targets.append((child, str(value.value)))
                stack.append((key, child))
                stack.append((value, child))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, f"{path}[{i}]"[:300]) for i, v in enumerate(node.value))
    return facts


def _names_a_target(key: str, value: object) -> bool:
    if key == "_target_":
        return True
    text = str(value)
    # an interpolation is resolved by OmegaConf before the class is imported
    return key in _CLASS_KEYS and (_DOTTED.fullmatch(text) is not None or "${" in text)
