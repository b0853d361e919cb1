"""Which repository files the fetched configs name: loaders read those whatever their suffix.

``pytorch_model.bin.index.json`` maps weights to shard files and transformers
``torch.load``s every one it names; SpeechBrain's ``hyperparams.yaml`` points its
``Pretrainer`` at checkpoint files. A file the Hub scan would skip as documentation or
media (``*.md``, ``*.png``...) is therefore fetched and scanned when a config names it.
Names are compared after the config is decoded (JSON ``\\/`` and ``\\u`` escapes, YAML
quoting), never as raw bytes. Used by ``weightscan scan hf://`` and by the service's
repository expansion.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from weightscan.scanner.yamlconfig.compose import YamlUnreadable, compose

CONFIG_SUFFIXES = (".json", ".yaml", ".yml")
MAX_CONFIG_BYTES = 16 << 20
MAX_VALUES = 2_000_000  # values walked per config


def is_config(path: str) -> bool:
    return path.lower().endswith(CONFIG_SUFFIXES)


def named_in(local: Path) -> tuple[set[str], str]:
    """(the decoded strings of a config file, its raw text when it could not be parsed)."""
    try:
        with open(local, "rb") as f:
            data = f.read(MAX_CONFIG_BYTES + 1)
    except OSError:
        return set(), ""
    return named_in_bytes(local.name, data)


def named_in_bytes(name: str, data: bytes) -> tuple[set[str], str]:
    """``named_in`` for a config's bytes (``name`` says JSON or YAML)."""
    text = data.decode("utf-8", "replace")
    if len(data) <= MAX_CONFIG_BYTES:
        try:
            if name.lower().endswith(".json"):
                return set(_json_strings(json.loads(text))), ""
            return set(_yaml_strings(compose(text, single=False))), ""
        except (ValueError, RecursionError, YamlUnreadable):
            pass
    return set(), text  # unparsed: matched as raw text below


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


def named_files(strings: set[str], raw_texts: Iterable[str], paths: Iterable[str]) -> set[str]:
    """The ``paths`` that a config string names (as the path itself, or as a file name at
    the end of a relative path), or that an unparsed config mentions at all."""
    tails = {_tail(s) for s in strings if s}
    texts = list(raw_texts)
    found = set()
    for path in paths:
        name = PurePosixPath(path).name
        if path in strings or name in tails or any(name in t for t in texts):
            found.add(path)
    return found


def _tail(value: str) -> str:
    return value.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
