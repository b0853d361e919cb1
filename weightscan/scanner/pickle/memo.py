"""The engine's memo (what MEMOIZE/PUT store and GET reads back), bounded.

The engine's loop writes the list ``items`` directly while slots come in order (how
picklers write them) and calls ``store``/``get`` for everything else.
"""

from __future__ import annotations

from typing import Any

from weightscan.scanner.pickle.values import EVICTED, Call, Global, is_symbolic

_SYMBOLIC = frozenset({Global, Call})

MISSING = object()


class Memo:
    """The memo: a list for slots written in order (the normal case, cheap), a dict for
    any other slot. Past ``limit`` entries it degrades: only values holding imports or
    calls are kept, and a read of a dropped slot yields ``EVICTED`` instead of failing.
    """

    __slots__ = ("degraded", "extra", "inexact", "items", "limit", "next")

    def __init__(self, limit: int) -> None:
        self.items: list[Any] = []
        self.extra: dict[int, Any] | None = None
        self.degraded = False
        self.next = 0  # MEMOIZE's slot (= len(memo) of a real unpickler)
        self.limit = limit
        # Degraded, ``next`` is exact only while slots are filled in order: a gap (a PUT
        # past ``next``) makes the real memo's size, which numbers MEMOIZE, unknown.
        self.inexact = False

    def size(self) -> int:
        return len(self.items) + (len(self.extra) if self.extra else 0)

    def store(self, idx: int | None, value: Any) -> bool:
        """Store a value; returns True when this store made the memo degrade."""
        if self.extra is None:
            self.extra = {}
        if not self.degraded:
            key = self.size() if idx is None else idx
            if key < len(self.items):
                self.items[key] = value
                return False
            if key in self.extra or self.size() < self.limit:
                self.extra[key] = value
                return False
            self.degraded = True
            self.next = self.size()
            self.inexact = any(k >= self.next for k in self.extra)
            self._store_degraded(idx, value)
            return True
        self._store_degraded(idx, value)
        return False

    def _store_degraded(self, idx: int | None, value: Any) -> None:
        assert self.extra is not None
        key = self.next if idx is None else idx
        if idx is None or idx >= self.next:
            self.inexact = self.inexact or key > self.next
            self.next = key + 1
        if key < len(self.items):
            self.items[key] = value
        elif key in self.extra or type(value) in _SYMBOLIC or is_symbolic(value):
            self.extra[key] = value

    def put_plain_string(self, idx: int, value: str) -> None:
        """PUT of a plain string once degraded: numbered, but kept only over a kept slot."""
        if idx >= self.next:
            self.inexact = self.inexact or idx > self.next
            self.next = idx + 1
        if self.extra and idx in self.extra:
            self.extra[idx] = value

    def get(self, idx: int) -> Any:
        if 0 <= idx < len(self.items):
            return self.items[idx]
        if self.extra is not None and idx in self.extra:
            return self.extra[idx]
        return EVICTED if self.degraded else MISSING
