"""``auto_map``: the config entries that make a loader import repository code.

``config.json`` (and ``tokenizer_config.json``, ``processor_config.json``...) may carry
``"auto_map": {"AutoModel": "modeling_x.XModel"}``; with ``trust_remote_code=True`` the
loader imports ``modeling_x.py`` from the repository and instantiates the class. A value
``"org/repo--modeling_x.XModel"`` imports it from another repository. Values may also be
lists (tokenizers: ``[slow, fast]``, either may be null).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Config files loaders read auto_map from, next to the code they point at.
CONFIG_NAMES = (
    "config.json",
    "tokenizer_config.json",
    "processor_config.json",
    "preprocessor_config.json",
    "feature_extractor_config.json",
    "image_processor_config.json",
    "generation_config.json",
)
MAX_CONFIG_BYTES = 16 * 1024 * 1024
_MAX_ENTRIES = 256


@dataclass(frozen=True)
class AutoMapEntry:
    key: str  # "AutoModel"
    reference: str  # "modeling_x.XModel" or "org/repo--modeling_x.XModel"

    @property
    def repository(self) -> str | None:
        """The other repository this entry imports from, if any."""
        repo, sep, _ = self.reference.partition("--")
        return repo if sep else None

    @property
    def module(self) -> str:
        """The module (file name without ``.py``) the entry imports."""
        ref = self.reference.partition("--")[2] or self.reference
        return ref.rsplit(".", 1)[0] if "." in ref else ref


def entries(config: Any) -> list[AutoMapEntry]:
    """The auto_map entries of a parsed config (empty when it has none or it is malformed)."""
    auto_map = config.get("auto_map") if isinstance(config, dict) else None
    if not isinstance(auto_map, dict):
        return []
    out: list[AutoMapEntry] = []
    for key, value in auto_map.items():
        for ref in value if isinstance(value, list) else [value]:
            if isinstance(ref, str) and ref and len(out) < _MAX_ENTRIES:
                out.append(AutoMapEntry(str(key)[:200], ref[:500]))
    return out


def loaders_of(py_path: Path) -> list[str]:
    """ "config.json: AutoModel -> modeling_x.XModel" for each entry that imports ``py_path``."""
    module = py_path.name.removesuffix(".py")
    found = []
    for name in CONFIG_NAMES:
        for entry in entries(read_config(py_path.parent / name)):
            if entry.repository is None and entry.module == module:
                found.append(f"{name}: {entry.key} -> {entry.reference}")
    return found


def read_config(path: Path) -> Any:
    """A small JSON config file, or None if it is missing, too large or not JSON."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_CONFIG_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_CONFIG_BYTES:
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None
