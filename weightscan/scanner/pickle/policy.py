"""Classify one import ("module.name") under the allowlist-first policy.

Order of decisions (first match wins):

1. exact allowlist entry (vetted reconstruction helpers and data types) -> ALLOWED;
2. denylist (the path or one of its dotted parents, or any tail of a dotted attribute
   chain, e.g. ``numpy.testing._private.utils.os.system`` contains ``os.system``) -> DENIED;
3. a dunder component anywhere in the path                           -> DUNDER;
4. a CamelCase class under a vetted class prefix (sklearn, scipy.sparse, ...) -> ALLOWED;
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

from weightscan.scanner.pickle.policy_data import (
    ALLOW,
    CLASS_PREFIX_EXCLUDES,
    CLASS_PREFIXES,
    DENY,
    LOADS_LIKE,
    WEIGHTS_ONLY_GLOBALS,
    WRAPPERS,
    Entry,
)
from weightscan.scanner.pickle.policy_names import ALIASES, CHAIN_DANGER, FAMILY_DENY, RENAMES

# The opcodes torch._weights_only_unpickler.Unpickler implements (torch 2.13).
WEIGHTS_ONLY_OPCODES = frozenset(
    b"c\x81Rbaesu(t\x85\x86\x87N\x89\x88)]}\x8fJKMGXUQhjqr\x8a\x80.")


class Decision(enum.Enum):
    ALLOWED = "allowed"
    USER_ALLOWED = "user-allowed"
    DENIED = "denied"
    DUNDER = "dunder"
    WRAPPER = "wrapper"  # functools.partial: malicious only when invoked or around a denied call
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Classification:
    decision: Decision
    reason: str
    reference: str = ""


_TORCHSCRIPT_REF = "https://pytorch.org/docs/stable/jit.html#torch.jit.load"
_CHAIN_REF = "https://docs.python.org/3/library/pickle.html#restricting-globals"
_WRAPPER_REF = "https://docs.python.org/3/library/functools.html#partial-objects"
_ALLOW = {e.path: e for e in ALLOW}
_DENY = {e.path: e for e in (*DENY, *FAMILY_DENY)}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CLASS_NAME = re.compile(r"[A-Z][A-Za-z0-9]*\Z")


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
def is_loads_like(path: str) -> bool:
    """Does ``path`` (under any of its canonical names) deserialise its argument?"""
    return any(".".join(tail) in LOADS_LIKE for _, tail in _tails(path))


def weights_only_allows(path: str) -> bool:
    """Would PyTorch's weights-only unpickler accept this global by default?"""
    return path in WEIGHTS_ONLY_GLOBALS


def classify(module: str, name: str, extra_allow: frozenset[str] = frozenset(),
             *, torchscript: bool = False) -> Classification:
    """Classify ``module.name``; ``torchscript`` when the pickle sits in a TorchScript archive."""
    path = f"{module}.{name}"
    if path in _ALLOW:
        return Classification(Decision.ALLOWED, _ALLOW[path].reason, _ALLOW[path].reference)
    if torchscript and module.split(".", 1)[0] == "__torch__" and is_dotted_identifier(path):
        # TorchScript's own unpickler resolves "__torch__.*" to classes compiled from the
        # archive's code/ folder; it never imports a Python module for them.
        return Classification(Decision.ALLOWED, "TorchScript class compiled from the archive",
                              _TORCHSCRIPT_REF)
    builtin = _classify_builtin(module, name)
    # The user's allowlist clears unknown imports only: no configuration turns a call
    # that executes code, or a reach into interpreter internals, into a clean verdict.
    if path in extra_allow and builtin.decision is Decision.UNKNOWN:
        return Classification(Decision.USER_ALLOWED, "allowed by the user's configuration")
    return builtin


@lru_cache(maxsize=4096)
def _classify_builtin(module: str, name: str) -> Classification:
    path = f"{module}.{name}"
    if path in WRAPPERS:
        return Classification(Decision.WRAPPER, "indirection: wraps any callable",
                              _WRAPPER_REF)
    deny = _find_deny(path)
    if deny is not None:
        return Classification(Decision.DENIED, deny.reason, deny.reference)
    if _chain_danger(name):
        return Classification(Decision.DENIED, "attribute chain ends in a call that runs or "
                               "loads code", _CHAIN_REF)
    if _has_dunder_attribute(module, name):
        return Classification(Decision.DUNDER, "dunder attribute reaches interpreter internals",
                              "https://github.com/protectai/modelscan/issues/330")
    for prefix in CLASS_PREFIXES:
        if _class_under(path, prefix):
            return Classification(Decision.ALLOWED, prefix.reason, prefix.reference)
    return Classification(Decision.UNKNOWN, "not on the allowlist")


# Modules whose own names are dunders: "__main__.MyModel" is the class of a user's script
# (what torch.save(model) writes from one), not a reach into interpreter internals.
_DUNDER_MODULES = frozenset({"__main__", "__mp_main__", "__future__", "__builtin__"})


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


def _tails(path: str) -> list[tuple[int, list[str]]]:
    """Every tail of an attribute chain, canonical: ``a.np.load`` -> ``numpy.load`` ..."""
    parts = path.split(".")
    out = []
    for start in range(len(parts)):
        tail = parts[start:]
        if start > 0 and tail[0] in ALIASES:
            tail = [ALIASES[tail[0]], *tail[1:]]
        out.append((start, canonical(".".join(tail)).split(".")))
    return out


def _find_deny(path: str) -> Entry | None:
    n_parts = path.count(".") + 1
    # every tail of an attribute chain: "a.b.os.system" also checks "os.system"; each
    # prefix of a tail at a dot is a family ("os" covers "os.system")
    for start, tail in _tails(path):
        for end in range(1, len(tail) + 1):
            entry = _DENY.get(".".join(tail[:end]))
            if entry is not None and (start == 0 or start < n_parts - 1
                                      or tail[0] in _TOP_MODULES):
                # a bare final name under a vetted module ("numpy.open") is no tail match
                # unless it names a module itself ("sklearn.utils.os")
                return entry
    return None


def _chain_danger(name: str) -> bool:
    """A walked name (``Outer.attr``) that ends in a code-running attribute."""
    return "." in name and name.rsplit(".", 1)[1] in CHAIN_DANGER


_TOP_MODULES = frozenset(e.path for e in (*DENY, *FAMILY_DENY) if "." not in e.path)


def _class_under(path: str, prefix: Entry) -> bool:
    if not path.startswith(prefix.path):
        return False
    if any(path.startswith(x) for x in CLASS_PREFIX_EXCLUDES):
        return False
    final = path.rsplit(".", 1)[-1]
    if final.startswith("__pyx_unpickle_"):  # Cython's generated state restorer of a class
        final = final[len("__pyx_unpickle_"):]
    return bool(_CLASS_NAME.match(final))
