"""Symbolic values on the engine's stack and memo.

Small literals stay plain Python values (None, bool, int, float, str, bytes, tuple).
Everything the unpickler would *build by running code* is symbolic: ``Global`` (an
import), ``Call`` (a call of something), plus bounded stand-ins for mutable containers
and for what cannot be known statically. Containers keep only their first few items, so
a value's size is bounded whatever the stream does.
"""

from __future__ import annotations

from typing import Any

CONTAINER_KEEP = 32  # items kept per list/dict/set (enough for joblib's wrapper state)
TUPLE_KEEP = 32  # items kept per tuple built from a mark


class Global:
    """An imported object, ``module.name``."""

    __slots__ = ("index", "module", "name", "offset")

    def __init__(self, module: str, name: str, offset: int, index: int) -> None:
        self.module, self.name, self.offset, self.index = module, name, offset, index

    @property
    def path(self) -> str:
        return f"{self.module}.{self.name}"


class Call:
    """The result of calling ``func`` (REDUCE, NEWOBJ, OBJ, INST, ...).

    ``state`` holds the BUILD argument applied afterwards (``__setstate__`` semantics);
    ``attrs`` the instance attributes merged over every BUILD, where a format hook
    (joblib's array wrapper) needs them.
    """

    __slots__ = ("args", "attrs", "func", "index", "kind", "klass", "kwargs", "offset", "state")

    def __init__(
        self, func: Any, args: Any, kind: str, offset: int, index: int, kwargs: Any = None
    ) -> None:
        self.func, self.args, self.kind = func, args, kind
        self.offset, self.index, self.kwargs = offset, index, kwargs
        self.state: Any = None
        self.attrs: dict[str, Any] | None = None
        self.klass: str | None = None  # a class a BUILD assigned to ``__class__``


class Container:
    """A list, dict or set (mutable: APPENDS/SETITEMS/ADDITEMS grow it)."""

    __slots__ = ("items", "kind", "length")

    def __init__(self, kind: str) -> None:
        self.kind = kind  # "list" | "dict" | "set" | "frozenset"
        self.items: list[Any] = []  # dict: (key, value) pairs
        self.length = 0

    def extend(self, new: list[Any]) -> None:
        self.length += len(new)
        room = CONTAINER_KEEP - len(self.items)
        if room > 0:
            self.items.extend(new[:room])


class Opaque:
    """A value the engine cannot know (evicted memo slot, persistent id, extension...)."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what


class Truncated(str):
    """A string kept only as a prefix (its full length is ``full_length``)."""

    full_length: int = 0


class TruncatedBytes(bytes):
    """Bytes kept only as a prefix."""

    full_length: int = 0


EVICTED = Opaque("memo slot not kept (memo budget)")
PERSISTENT = "persistent"


def truncated_str(prefix: str, full_length: int) -> Truncated:
    t = Truncated(prefix)
    t.full_length = full_length
    return t


def truncated_bytes(prefix: bytes, full_length: int) -> TruncatedBytes:
    t = TruncatedBytes(prefix)
    t.full_length = full_length
    return t


def is_symbolic(value: Any) -> bool:
    """Worth keeping past the memo budget: it is, or directly holds, an import or call."""
    if isinstance(value, Global | Call):
        return True
    if isinstance(value, tuple):
        return any(isinstance(v, Global | Call) for v in value[:8])
    return False
