"""Which repository files the fetched configs name: loaders read those whatever their suffix.

``pytorch_model.bin.index.json`` maps weights to shard files and transformers
``torch.load``s every one it names; SpeechBrain's ``hyperparams.yaml`` points its
``Pretrainer`` at checkpoint files. A file the Hub scan would skip as documentation or
media (``*.md``, ``*.png``...) is therefore fetched and scanned when a config names it.
Names are compared after the config is decoded (JSON ``\\/`` and ``\\u`` escapes, YAML
quoting), never as raw bytes. Used by ``weightscan scan hf://`` and by the service's
repository expansion.

A config too large to parse (``MAX_CONFIG_BYTES``; json.loads reads any size, so
padding an index past the cap must not hide what it names) is searched as raw text, up
to ``MAX_RAW_BYTES``. Fail closed: one larger still, or whose text is too large to
search, names every candidate file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from weightscan.scanner.yamlconfig.compose import YamlUnreadable, compose

CONFIG_SUFFIXES = (".json", ".yaml", ".yml")
MAX_CONFIG_BYTES = 16 << 20  # parsed up to this size
MAX_RAW_BYTES = 64 << 20  # searched as raw text up to this size
MAX_VALUES = 2_000_000  # values walked per config
RAW_SEARCH_BUDGET = 1 << 30  # candidate names x characters of an unparsable config's text

# What a config names: (its decoded strings, its raw text when it could not be parsed),
# or None when it was too large to read at all.
Names = tuple[set[str], str] | None


def is_config(path: str) -> bool:
    return path.lower().endswith(CONFIG_SUFFIXES)


def named_in(local: Path) -> Names:
    """What a config file names (see ``Names``)."""
    try:
        with open(local, "rb") as f:
            data = f.read(MAX_RAW_BYTES + 1)
    except OSError:
        return set(), ""
    return named_in_bytes(local.name, data)


def named_in_bytes(name: str, data: bytes) -> Names:
    """``named_in`` for a config's bytes (``name`` says JSON or YAML); None when more than
    ``MAX_RAW_BYTES`` (the caller passes at most one byte more)."""
    if len(data) > MAX_RAW_BYTES:
        return None
    text = data.decode("utf-8", "replace")
    if len(data) <= MAX_CONFIG_BYTES:
        try:
            if name.lower().endswith(".json"):
                return set(_json_strings(json.loads(text))), ""
            return set(_yaml_strings(compose(text, single=False))), ""
        except (ValueError, RecursionError, YamlUnreadable):
            pass
    return set(), text  # unparsed: matched as raw text


def _json_strings(root: Any) -> Iterator[str]:
    stack, seen = [root], 0
    while stack and seen < MAX_VALUES:
        value = stack.pop()
        seen += 1
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from (k for k in value if isinstance(k, str))
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _yaml_strings(roots: list[yaml.Node]) -> Iterator[str]:
    stack, seen = list(roots), 0
    while stack and seen < MAX_VALUES:
        node = stack.pop()
        seen += 1
        if isinstance(node, yaml.ScalarNode):
            yield str(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


class NameMatcher:
    """Which of ``paths`` configs name, one config at a time (nothing accumulates): a
    config string names a path as the path itself or as a file name at the end of a
    relative path; an unparsed config names every path whose file name it mentions."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths = set(paths)
        self.by_name: dict[str, set[str]] = {}
        for path in self.paths:
            self.by_name.setdefault(PurePosixPath(path).name, set()).add(path)

    def named(self, names: Names) -> set[str]:
        if names is None:
            return set(self.paths)  # not read: it could name any of them
        strings, raw_text = names
        found = {s for s in strings if s in self.paths}
        for value in strings:
            found |= self.by_name.get(_tail(value), set()) if value else set()
        if raw_text:
            if len(self.by_name) * len(raw_text) > RAW_SEARCH_BUDGET:
                return set(self.paths)  # too much to search: it could name any of them
            for name, paths in self.by_name.items():
                if name in raw_text:
                    found |= paths
        return found


def _tail(value: str) -> str:
    return value.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
