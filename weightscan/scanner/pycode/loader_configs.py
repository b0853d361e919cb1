"""Config entries that make a model library import code, beyond a repository's ``*.py``.

* transformers ``auto_map`` (``config.json``, ``tokenizer_config.json``...) and
  ``custom_pipelines.<task>.impl``: ``org/repo--module.Class`` imports from another
  repository;
* sentence-transformers ``modules.json``: a module ``type`` outside
  ``sentence_transformers.`` goes to ``get_class_from_dynamic_module`` for any local
  folder (no ``trust_remote_code`` needed), then to ``import_from_string``;
* PEFT ``adapter_config.json``: ``auto_mapping.parent_library`` is imported and its
  ``base_model_class`` asked to ``from_pretrained`` the base model;
* diffusers ``model_index.json`` with ``"_class_name": [module, class]``: a custom
  pipeline, read from ``<module>.py`` next to it, else fetched from the Hub repository or
  the community pipeline the module names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from weightscan.scanner.pycode import automap

ST_MODULES_FILE = "modules.json"
_ST_PREFIX = "sentence_transformers."
_MAX_REFERENCES = 256
_PEFT_BASE_LIBRARIES = ("transformers.",)  # where PEFT finds real base model classes
_ELSEWHERE = "the Hub or diffusers' community pipelines"


@dataclass(frozen=True)
class CodeReference:
    where: str  # "auto_map AutoModel", "modules.json [2] type"
    reference: str  # what the loader resolves
    remote: str | None  # where the code comes from when it is not in this folder
    # a local reference names a *.py of the folder, itself analysed as code (auto_map)
    local_is_code_file: bool = False


def references(
    config: Any, file_name: str, has_sibling: Callable[[str], bool]
) -> list[CodeReference]:
    """What ``config`` (read from ``file_name``) makes a loader import;
    ``has_sibling("x.py")`` says whether a file sits next to the config (its code is then
    analysed as the repository's own)."""
    found: list[CodeReference] = []
    if isinstance(config, dict):
        for entry in automap.entries(config):
            found.append(
                CodeReference(f"auto_map {entry.key}", entry.reference, entry.repository, True)
            )
        found.extend(_custom_pipelines(config.get("custom_pipelines")))
        found.extend(_diffusers_pipeline(config.get("_class_name"), has_sibling))
        found.extend(_peft_auto_mapping(config.get("auto_mapping")))
    elif isinstance(config, list) and file_name == ST_MODULES_FILE:
        found.extend(_st_modules(config))  # other JSON lists are data
    return found[:_MAX_REFERENCES]


def _remote_of(reference: str) -> str | None:
    repo, sep, _ = reference.partition("--")
    return repo if sep else None


def _custom_pipelines(value: Any) -> list[CodeReference]:
    if not isinstance(value, dict):
        return []
    out = []
    for task, spec in list(value.items())[:_MAX_REFERENCES]:
        impl = spec.get("impl") if isinstance(spec, dict) else None
        if isinstance(impl, str) and impl:
            out.append(
                CodeReference(f"custom_pipelines {str(task)[:100]}", impl[:500], _remote_of(impl))
            )
    return out


def _diffusers_pipeline(value: Any, has_sibling: Callable[[str], bool]) -> list[CodeReference]:
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)):
        return []
    module = value[0][:500]
    if "/" not in module and has_sibling(f"{module}.py"):
        remote = None
    else:
        remote = module if "/" in module else _ELSEWHERE
    return [CodeReference("_class_name (custom pipeline)", module, remote)]


def _peft_auto_mapping(value: Any) -> list[CodeReference]:
    library = value.get("parent_library") if isinstance(value, dict) else None
    if not isinstance(library, str) or library == "transformers":
        return []
    if library.startswith(_PEFT_BASE_LIBRARIES):
        return []
    cls = value.get("base_model_class")
    shown = f"{library}.{cls}" if isinstance(cls, str) else library
    return [CodeReference("auto_mapping (PEFT base model)", shown[:500], None)]


def _st_modules(modules: list[Any]) -> list[CodeReference]:
    out = []
    for i, module in enumerate(modules[:_MAX_REFERENCES]):
        kind = module.get("type") if isinstance(module, dict) else None
        if isinstance(kind, str) and not kind.startswith(_ST_PREFIX):
            out.append(CodeReference(f"modules.json [{i}] type", kind[:500], _remote_of(kind)))
    return out
