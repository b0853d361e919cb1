"""Classify one import (``module`` + ``name``) under the allowlist-first policy.

Order of decisions (first match wins):

1. exact allowlist entry: the hand-vetted reconstruction helpers and data types, and the
   library classes generated offline from the real libraries (``allowlist_libs.py``)
   -> ALLOWED, or STATE_ONLY for generated classes whose ``__init__`` is not vetted but
   whose creation as ``cls.__new__(cls)`` and state restoring are (the analyzer clears
   them only when the pickle does nothing else with them). Exact means the very
   ``module`` and ``name`` pickle writes for it: the unpickler walks a dotted ``name``
   attribute by attribute, so a name that walks through another module
   (``torch.nn.modules.linear`` + ``torch.fx.GraphModule``) is never allowed;
2. ``functools.partial``                                             -> WRAPPER;
3. denylist, by canonical name and module family (the path, each dotted parent, every tail
   of an attribute chain with aliases resolved, e.g. ``sklearn.utils.np.load``) -> DENIED;
4. a dunder attribute (a dunder in the name, or in a module that is not ``__main__``-like)
   -> DUNDER;
5. the user's extra allowlist (``--allow``)                          -> USER_ALLOWED;
6. anything else                                                      -> UNKNOWN.

The user's allowlist can clear only what would otherwise be UNKNOWN: denied and dunder
imports stay what they are whatever the configuration says.

Imported-but-never-called denylisted globals are still HIGH: a global can be invoked
without REDUCE (as a BUILD target's __setstate__, as an argument that a later call
invokes, as a dict's default factory), so "not called" is not proof of "harmless".
"""

from __future__ import annotations

import enum
import re
from _compat_pickle import IMPORT_MAPPING, NAME_MAPPING
from dataclasses import dataclass
from functools import lru_cache

from weightscan.scanner.pickle.allowlist_libs import (
    GENERATED_FROM,
    LIBRARY_GLOBALS,
    STATE_ONLY_GLOBALS,
)
from weightscan.scanner.pickle.policy_data import (
    ALLOCATORS as ALLOCATORS,  # re-exported: the engine sizes what these allocate
)
from weightscan.scanner.pickle.policy_data import (
    ALLOW,
    DENY,
    FILE_LOADERS,
    LOADS_LIKE,
    WEIGHTS_ONLY_GLOBALS,
    WRAPPERS,
    Entry,
)
from weightscan.scanner.pickle.policy_data import (
    CALLERS as CALLERS,  # re-exported: the engine forwards calls through these
)
from weightscan.scanner.pickle.policy_names import ALIASES, CHAIN_DANGER, FAMILY_DENY, RENAMES

# The opcodes torch._weights_only_unpickler.Unpickler implements (torch 2.13).
WEIGHTS_ONLY_OPCODES = frozenset(b"c\x81Rbaesu(t\x85\x86\x87N\x89\x88)]}\x8fJKMGXUQhjqr\x8a\x80.")


class Decision(enum.Enum):
    ALLOWED = "allowed"
    STATE_ONLY = "state-only"  # allowed as cls.__new__(cls) + BUILD, never called otherwise
    USER_ALLOWED = "user-allowed"
    DENIED = "denied"
    DUNDER = "dunder"
    WRAPPER = "wrapper"  # functools.partial: malicious only when invoked or around a denied call
    NESTED_FILE = "nested-file"  # loads embedded bytes as a file: fine when they were analysed
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Classification:
    decision: Decision
    reason: str
    reference: str = ""


_TORCHSCRIPT_REF = "https://pytorch.org/docs/stable/jit.html#torch.jit.load"
_CHAIN_REF = "https://docs.python.org/3/library/pickle.html#restricting-globals"
_TORCH_REF = "https://pytorch.org/docs/stable/notes/serialization.html"
_WRAPPER_REF = "https://docs.python.org/3/library/functools.html#partial-objects"
_ALLOW = {tuple(e.path.rsplit(".", 1)): e for e in ALLOW}
_LIBRARY = frozenset((module, name) for module, names in LIBRARY_GLOBALS.items() for name in names)
_LIBRARY_ENTRY = Classification(
    Decision.ALLOWED,
    "library class checked offline against "
    + ", ".join(f"{k} {v}" for k, v in sorted(GENERATED_FROM.items())),
    "https://scikit-learn.org/stable/model_persistence.html",
)
_STATE_ONLY = frozenset(
    (module, name) for module, names in STATE_ONLY_GLOBALS.items() for name in names
)
_STATE_ONLY_ENTRY = Classification(
    Decision.STATE_ONLY,
    "library class whose instance creation without __init__ and state restoring were "
    "checked offline (its construction was not): allowed only as cls.__new__(cls) + BUILD",
    "https://docs.python.org/3/library/pickle.html#pickling-class-instances",
)
_DENY = {e.path: e for e in (*DENY, *FAMILY_DENY)}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def normalise(module: str, name: str, protocol: int) -> tuple[str, str]:
    """Apply the Python 2 -> 3 renames the unpickler applies for protocol < 3."""
    if protocol < 3:
        if (module, name) in NAME_MAPPING:
            return NAME_MAPPING[(module, name)]
        if module in IMPORT_MAPPING:
            return IMPORT_MAPPING[module], name
    return module, name


def is_dotted_identifier(text: str) -> bool:
    return bool(text) and len(text) <= 512 and all(_IDENT.match(p) for p in text.split("."))


@lru_cache(maxsize=1024)
def is_loads_like(module: str, name: str) -> bool:
    """Does ``module.name`` (under any of its canonical names) deserialise its argument?"""
    return any(".".join(tail) in LOADS_LIKE for _, tail in _tails(module, name))


def weights_only_allows(path: str) -> bool:
    """Would PyTorch's weights-only unpickler accept this global by default?"""
    return path in WEIGHTS_ONLY_GLOBALS


def classify(
    module: str, name: str, extra_allow: frozenset[str] = frozenset(), *, torchscript: bool = False
) -> Classification:
    """Classify ``module.name``; ``torchscript`` when the pickle sits in a TorchScript archive."""
    path = f"{module}.{name}"
    entry = _ALLOW.get((module, name))
    if entry is not None:
        return Classification(Decision.ALLOWED, entry.reason, entry.reference)
    if (module, name) in _LIBRARY:
        return _LIBRARY_ENTRY
    if (module, name) in _STATE_ONLY:
        return _STATE_ONLY_ENTRY
    if torchscript and module.split(".", 1)[0] == "__torch__" and is_dotted_identifier(path):
        # TorchScript's own unpickler resolves "__torch__.*" to classes compiled from the
        # archive's code/ folder; it never imports a Python module for them.
        return Classification(
            Decision.ALLOWED, "TorchScript class compiled from the archive", _TORCHSCRIPT_REF
        )
    builtin = _classify_builtin(module, name)
    # The user's allowlist clears unknown imports only: no configuration turns a call
    # that executes code, or a reach into interpreter internals, into a clean verdict.
    if path in extra_allow and builtin.decision is Decision.UNKNOWN:
        return Classification(Decision.USER_ALLOWED, "allowed by the user's configuration")
    return builtin


def why_allow_cannot_clear(path: str) -> Classification | None:
    """Why a user's ``--allow module.name`` can never clear that import (None if it can)."""
    module, _, name = path.rpartition(".")
    found = _classify_builtin(module, name) if module else None
    return found if found is not None and found.decision is not Decision.UNKNOWN else None


@lru_cache(maxsize=4096)
def _classify_builtin(module: str, name: str) -> Classification:
    path = f"{module}.{name}"
    if path in WRAPPERS:
        return Classification(Decision.WRAPPER, "indirection: wraps any callable", _WRAPPER_REF)
    if path in FILE_LOADERS:
        return Classification(
            Decision.NESTED_FILE,
            "torch.load of embedded bytes (analysed "
            "as a file of their own when they are plain bytes)",
            _TORCH_REF,
        )
    deny = _find_deny(module, name)
    if deny is not None:
        return Classification(Decision.DENIED, deny.reason, deny.reference)
    if _chain_danger(name) or (module in _SCRIPT_MODULES and name in _SCRIPT_DANGER):
        return Classification(
            Decision.DENIED, "attribute chain ends in a call that runs or loads code", _CHAIN_REF
        )
    if _has_dunder_attribute(module, name):
        return Classification(
            Decision.DUNDER,
            "dunder attribute reaches interpreter internals",
            "https://github.com/protectai/modelscan/issues/330",
        )
    return Classification(Decision.UNKNOWN, "not on the allowlist")


# Modules whose own names are dunders: "__main__.MyModel" is the class of a user's script
# (what torch.save(model) writes from one), not a reach into interpreter internals.
_DUNDER_MODULES = frozenset({"__main__", "__mp_main__", "__future__", "__builtin__"})


# A script's namespace holds whatever it imported ("from os import system"): there, a
# code-running name is the function itself.
_SCRIPT_MODULES = frozenset({"__main__", "__mp_main__"})
_SCRIPT_DANGER = CHAIN_DANGER | {"open", "getattr", "setattr", "delattr", "input", "breakpoint"}


def _is_dunder(part: str) -> bool:
    return len(part) > 4 and part.startswith("__") and part.endswith("__")


def _has_dunder_attribute(module: str, name: str) -> bool:
    if any(_is_dunder(p) for p in name.split(".")):
        return True
    return module not in _DUNDER_MODULES and any(_is_dunder(p) for p in module.split("."))


def canonical(path: str) -> str:
    """``path`` with its longest renamed module prefix replaced (``_pickle`` -> ``pickle``)."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        new = RENAMES.get(".".join(parts[:end]))
        if new is not None:
            return ".".join([new, *parts[end:]])
    return path


def _tails(module: str, name: str) -> list[tuple[int, list[str]]]:
    """The canonical names the import answers to: the path itself, and every tail of the
    attribute walk through ``name`` with aliases resolved (``a`` + ``np.load`` ->
    ``numpy.load``). The module part is imported whole, so no tail starts inside it."""
    parts = [*module.split("."), *name.split(".")]
    out = [(0, canonical(".".join(parts)).split("."))]
    for start in range(module.count(".") + 1, len(parts)):
        tail = parts[start:]
        if tail[0] in ALIASES:
            tail = [ALIASES[tail[0]], *tail[1:]]
        out.append((start, canonical(".".join(tail)).split(".")))
    return out


def _find_deny(module: str, name: str) -> Entry | None:
    n_parts = module.count(".") + name.count(".") + 2
    # each prefix of a canonical name at a dot is a family ("os" covers "os.system")
    for start, tail in _tails(module, name):
        for end in range(1, len(tail) + 1):
            entry = _DENY.get(".".join(tail[:end]))
            if entry is not None and (start == 0 or start < n_parts - 1 or tail[0] in _TOP_MODULES):
                # a bare final name under a vetted module ("numpy.open") is no tail match
                # unless it names a module itself ("sklearn.utils.os")
                return entry
    return None


def _chain_danger(name: str) -> bool:
    """A walked name (``Outer.attr``) that ends in a code-running attribute."""
    return "." in name and name.rsplit(".", 1)[1] in CHAIN_DANGER


_TOP_MODULES = frozenset(e.path for e in (*DENY, *FAMILY_DENY) if "." not in e.path)
