"""What the engine learns about one source: its imports, calls and other facts.

Plain records, filled by the engine (``engine.py``) and read by the analyzers that turn
them into findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from weightscan.scanner.pickle import policy


@dataclass
class ImportSite:
    """One distinct import in the file."""

    module: str
    name: str
    classification: policy.Classification
    offset: int
    index: int
    member: str | None
    count: int = 0
    called: bool = False
    build_target: bool = False
    result_called: bool = False  # what a call of this import returned was called in turn
    wraps_denied: bool = False  # a wrapper (functools.partial) holding a denied callable
    unanalysed_call: bool = False  # a file loader called with something not analysed
    weights_only: bool = False
    # called other than as ``cls.__new__(cls)`` (NEWOBJ with no arguments): what a
    # state-only class may not be (its __init__ is not vetted)
    constructed: bool = False
    # every time the pickle pushes the import (``count`` imports, ``reads`` memo reads and
    # DUPs) versus the pushes consumed as ``cls.__new__(cls)`` or as a plain dict key: any
    # other push hands the class itself to Python code (a defaultdict factory, numpy's
    # ``__bit_generator_ctor``, an attribute a ``__setstate__`` calls), which may call it
    reads: int = 0
    plain_uses: int = 0
    code: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"{self.module}.{self.name}"

    @property
    def used_as_value(self) -> bool:
        return self.count + self.reads > self.plain_uses


@dataclass(frozen=True)
class CodeArgument:
    """A call of a non-allowed callable with an argument that holds code."""

    callee: str
    text: str
    offset: int
    index: int
    code: str


@dataclass
class PickleSummary:
    """What the engine learnt about one source (all pickles in it)."""

    pickles: int = 0
    opcodes: int = 0
    protocol: int = 0
    complete: bool = True  # every pickle ended with STOP and nothing unexplained followed
    end_offset: int = 0  # source offset after the last STOP
    imports: dict[str, ImportSite] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)  # called import path -> count
    weights_only_opcodes: bool = True
    persistent_ids: list[Any] = field(default_factory=list)
    joblib_arrays: int = 0
    array_regions: list[tuple[int, int]] = field(default_factory=list)  # skipped bytes
    memo_degraded: bool = False  # the memo budget was reached (values dropped)
    excerpts: list[str] = field(default_factory=list)
    code_arguments: list[CodeArgument] = field(default_factory=list)

    @property
    def weights_only_loadable(self) -> bool:
        return (
            self.complete
            and self.weights_only_opcodes
            and all(s.weights_only for s in self.imports.values())
        )

    def to_note(self) -> dict[str, Any]:
        return {
            "pickles": self.pickles,
            "opcodes": self.opcodes,
            "protocol": self.protocol,
            "imports": sorted(self.imports)[:200],
            "calls": sorted(self.calls)[:200],
            "weights_only_loadable": self.weights_only_loadable,
            "persistent_ids": len(self.persistent_ids),
            "joblib_arrays": self.joblib_arrays,
            "memo_budget_reached": self.memo_degraded,
        }
