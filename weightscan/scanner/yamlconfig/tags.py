"""YAML tags that make a loader import a Python name, and what name they import.

* PyYAML's Python tags (``!!python/object/apply:os.system``): its unsafe loader (and
  the full loader of old releases) imports the name and calls it (``object/apply``,
  ``object/new``), builds an instance and sets its state (``object``), or hands back the
  function or module itself (``name``, ``module``).
* HyperPyYAML (SpeechBrain's ``hyperparams.yaml``, read by ``from_hparams``):
  ``!new:`` and ``!apply:`` (``!applyref:``) call the named callable, ``!name:`` and
  ``!module:`` import it; ``!include:<file>`` reads that file (relative to the config)
  as YAML and constructs its tags with the rest.
"""

from __future__ import annotations

_PYTHON_TAG = "tag:yaml.org,2002:python/"
_PYTHON_CODE_KINDS = ("object/apply:", "object/new:", "object:", "name:", "module:")
# Tags that build plain values (``yaml.dump`` writes ``!!python/tuple`` for a tuple).
_PYTHON_VALUE_KINDS = frozenset(
    {"none", "bool", "str", "unicode", "bytes", "int", "long", "float", "complex"}
    | {"list", "tuple", "dict"}
)
# Plain values ``yaml.dump`` writes as Python objects (a Lightning ``hparams.yaml`` holds
# paths, ordered dicts, namespaces): building them runs nothing.
VALUE_CLASSES = frozenset(
    {
        "pathlib.Path",
        "pathlib.PosixPath",
        "pathlib.WindowsPath",
        "pathlib.PurePath",
        "pathlib.PurePosixPath",
        "pathlib.PureWindowsPath",
        "collections.OrderedDict",
        "argparse.Namespace",
        "datetime.date",
        "datetime.datetime",
        "datetime.time",
        "datetime.timedelta",
        "decimal.Decimal",
        "fractions.Fraction",
    }
)
_HYPERPYYAML_PREFIXES = ("!new:", "!name:", "!apply:", "!applyref:", "!module:")
_INCLUDE = "!include:"


def imported_name(tag: str) -> str | None:
    """The dotted name a tag makes its loader import, "" when the tag is a Python tag
    that names nothing readable, None when the tag imports nothing."""
    if tag.startswith(_PYTHON_TAG):
        kind = tag[len(_PYTHON_TAG) :]
        if kind in _PYTHON_VALUE_KINDS:
            return None
        for prefix in _PYTHON_CODE_KINDS:
            if kind.startswith(prefix):
                name = kind[len(prefix) :]
                return None if name in VALUE_CLASSES else name
        return ""
    for prefix in _HYPERPYYAML_PREFIXES:
        if tag.startswith(prefix):
            return tag[len(prefix) :]
    return None


def loader_of(tag: str) -> str:
    return "PyYAML's unsafe loader" if tag.startswith(_PYTHON_TAG) else "HyperPyYAML"


def included_file(tag: str) -> str | None:
    """The file a HyperPyYAML ``!include:`` tag reads as YAML, None for other tags."""
    return tag[len(_INCLUDE) :] if tag.startswith(_INCLUDE) else None
