"""Where the engine's findings go, and the evidence it keeps for them: chosen once per engine.

``Reporter`` is the scan's: findings go to the scan context, with rendered excerpts of the
calls, code found in arguments, allocation sizes, and the pickles found inside the data.
``DryRun`` is the sniffer's (``probe.py``): it reports nothing, keeps no evidence, and
stops at the first thing a real pickle would not have, where the scan records the thing
and goes on.

The analysis of a pickle handed to a loads-like call needs the sniffer, which runs an
engine: it comes in as a callback (``nested.full_reporter``), so that neither the engine
nor this module imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from weightscan.scanner.context import ScanContext
from weightscan.scanner.model import Severity
from weightscan.scanner.pickle import policy
from weightscan.scanner.pickle.code_strings import code_in_arguments
from weightscan.scanner.pickle.embedded import check_embedded, looks_embedded
from weightscan.scanner.pickle.render import render_call
from weightscan.scanner.pickle.summary import CodeArgument, ImportSite
from weightscan.scanner.pickle.values import Call, Container, Global, Opaque

if TYPE_CHECKING:
    from weightscan.scanner.pickle.engine import Engine

_MAX_EXCERPTS = 20  # rendered calls kept per file
_MAX_CODE_ARGUMENTS = 20
_MAX_CODE_TEXT = 1000
_MAX_INDIRECT_FINDINGS = 5
_ALLOCATION_MEDIUM = 1 << 28  # bytes/elements one allowed constructor may ask for quietly
_ALLOCATION_HIGH = 1 << 32

# A loads-like call of bytes (engine, call, offset, opcode index): analyse them.
NestedHook = Callable[["Engine", Call, int, int], None]


class Reporter:
    """The scan's: findings go to ``ctx``, with their evidence."""

    def __init__(self, ctx: ScanContext, nested: NestedHook | None = None) -> None:
        self._ctx = ctx
        self._nested = nested
        self._indirect_reported = 0

    def for_context(self, ctx: ScanContext) -> Reporter:
        """The same kind of reporter for a child engine reporting to ``ctx``."""
        return Reporter(ctx, self._nested)

    def report(
        self,
        rule_id: str,
        message: str,
        offset: int | None,
        index: int | None,
        evidence: dict[str, Any] | None,
        severity: Severity | None,
    ) -> None:
        self._ctx.report(
            rule_id,
            message,
            severity=severity,
            offset=offset,
            opcode_index=index,
            evidence=evidence,
        )

    # -- where the sniffer is strict -------------------------------------------------
    def strict(self, engine: Engine, rule_id: str, message: str, offset: int, index: int) -> None:
        """Something a loader may get past: the scan records it and goes on."""

    def check_import_names(
        self, engine: Engine, module: str, name: str, offset: int, index: int
    ) -> None:
        """Import names that are no dotted identifiers are findings of the policy."""

    # -- evidence ----------------------------------------------------------------------
    def frame_past_end(self, engine: Engine, size: int, offset: int, index: int) -> None:
        # the C unpickler stops here, but the pure-Python one (joblib's) reads the short
        # frame and runs on: keep analysing
        engine.summary.complete = False
        engine.report(
            "pickle.length.exceeds-file",
            f"FRAME declares {size} bytes, more than the file has",
            offset,
            index,
            {"declared": size},
        )

    def embedded(self, engine: Engine, raw: bytes, offset: int, index: int) -> None:
        """Bytes stored as data: analysed when they look like a pickle of their own."""
        if looks_embedded(raw):
            check_embedded(engine, bytes(raw), offset, index)

    def nested(self, engine: Engine, call: Call, offset: int, index: int) -> None:
        """A loads-like call: the bytes it is handed are analysed too."""
        if self._nested is not None:
            self._nested(engine, call, offset, index)

    def allocation(
        self, engine: Engine, path: str, args: Any, position: int, offset: int, index: int
    ) -> None:
        """An allowed constructor asked for a buffer or array far beyond any real model."""
        if type(args) is not tuple or len(args) <= position:
            return
        size = args[position]
        if type(size) is tuple and size and all(type(d) is int and d >= 0 for d in size):
            elements = 1
            for dim in size:
                elements = min(elements * dim, 1 << 64)
            size = elements
        if type(size) is not int or size < _ALLOCATION_MEDIUM:
            return
        engine.report(
            "pickle.allocation-bomb",
            f"{path} is asked for {size} bytes or elements: the loader allocates it "
            "before anything else happens",
            offset,
            index,
            {"callable": path, "size": size},
            Severity.HIGH if size >= _ALLOCATION_HIGH else None,
        )

    def code_argument(
        self, engine: Engine, callee: str, call: Call, offset: int, index: int
    ) -> None:
        """Record a call whose arguments hold Python or shell code (root cause 11)."""
        found = engine.summary.code_arguments
        if len(found) >= _MAX_CODE_ARGUMENTS:
            return
        code = code_in_arguments(call.args, call.kwargs)
        if code is not None:
            found.append(
                CodeArgument(
                    callee, code[:_MAX_CODE_TEXT], offset, index, render_call(call, engine.limits)
                )
            )

    def indirect(self, engine: Engine, call: Call, offset: int, index: int) -> None:
        func = call.func
        self.excerpt(engine, call, None)
        if self._indirect_reported >= _MAX_INDIRECT_FINDINGS:
            return
        self._indirect_reported += 1
        what = "the result of a call" if isinstance(func, Call) else kind_of(func)
        engine.report(
            "pickle.call.indirect",
            f"a call of {what}, not of a named import",
            offset,
            index,
            {"callee": what, "code": render_call(call, engine.limits)},
        )

    def excerpt(self, engine: Engine, call: Call, site: ImportSite | None) -> None:
        excerpts = engine.summary.excerpts
        if site is not None and len(site.code) >= 3:
            return
        if len(excerpts) >= _MAX_EXCERPTS and site is None:
            return
        code = render_call(call, engine.limits)
        if site is not None:
            site.code.append(code)
        if len(excerpts) < _MAX_EXCERPTS:
            excerpts.append(code)


class DryRun(Reporter):
    """The sniffer's: no findings, no evidence; strict names, and it stops where the
    scan records a problem and goes on."""

    def __init__(self) -> None:
        pass

    def report(self, *finding: Any) -> None:
        pass

    def strict(self, engine: Engine, rule_id: str, message: str, offset: int, index: int) -> None:
        raise engine.fail(rule_id, message, offset, index)

    def check_import_names(
        self, engine: Engine, module: str, name: str, offset: int, index: int
    ) -> None:
        if not (policy.is_dotted_identifier(module) and policy.is_dotted_identifier(name)):
            raise engine.fail("pickle.import.malformed", "bad import", offset, index)

    def frame_past_end(self, engine: Engine, size: int, offset: int, index: int) -> None:
        pass

    def embedded(self, engine: Engine, raw: bytes, offset: int, index: int) -> None:
        pass

    def nested(self, engine: Engine, call: Call, offset: int, index: int) -> None:
        pass

    def allocation(
        self, engine: Engine, path: str, args: Any, position: int, offset: int, index: int
    ) -> None:
        pass

    def code_argument(
        self, engine: Engine, callee: str, call: Call, offset: int, index: int
    ) -> None:
        pass

    def indirect(self, engine: Engine, call: Call, offset: int, index: int) -> None:
        pass

    def excerpt(self, engine: Engine, call: Call, site: ImportSite | None) -> None:
        pass


def kind_of(value: Any) -> str:
    """What a value that cannot be named is, for messages."""
    if isinstance(value, Global):
        return f"import {value.path}"
    if isinstance(value, Call):
        return "call result"
    if isinstance(value, Opaque):
        return value.what
    if isinstance(value, Container):
        return value.kind
    return type(value).__name__
