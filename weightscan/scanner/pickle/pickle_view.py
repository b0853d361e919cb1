"""The plain-unpickler view of a stream holding joblib inline arrays.

joblib's loader skips the raw bytes it writes after each array wrapper; the standard
unpickler, torch's loader and any other plain unpickler run those same bytes as opcodes. A file
may be loaded either way, so once the joblib view has skipped array bytes, the stream is
analysed again without skipping. That view is identical up to the first skipped range,
so only what it finds from there on is reported: imports the joblib view did not see
(or saw uncalled), and breaks outside the skipped ranges. A break inside a range is what
a real joblib file does under a plain unpickler (its array bytes are not opcodes): not
a finding.
"""

from __future__ import annotations

import bisect
from typing import Any

from weightscan.scanner.context import ScanContext
from weightscan.scanner.model import Severity
from weightscan.scanner.pickle.engine import Engine
from weightscan.scanner.pickle.nested import full_reporter
from weightscan.scanner.pickle.summary import ImportSite, PickleSummary
from weightscan.scanner.source import Source


class _PickleLoadView(Engine):
    def __init__(self, source: Source, ctx: ScanContext, regions: list[tuple[int, int]]) -> None:
        super().__init__(source, ctx, reporter=full_reporter(ctx))
        self._starts = [start for start, _ in regions]
        self._regions = regions

    def report(
        self,
        rule_id: str,
        message: str,
        offset: int | None = None,
        index: int | None = None,
        evidence: dict[str, Any] | None = None,
        severity: Severity | None = None,
    ) -> None:
        if offset is None or offset < self._starts[0] or self._in_region(offset):
            return  # said by the joblib view already, or a joblib file's array bytes
        super().report(
            rule_id,
            "read by a plain unpickler (the standard one, torch's), "
            f"where joblib would skip array bytes: {message}",
            offset,
            index,
            evidence,
            severity,
        )

    def _in_region(self, offset: int) -> bool:
        i = bisect.bisect_right(self._starts, offset) - 1
        return i >= 0 and offset < self._regions[i][1]


def plain_unpickler_view(
    source: Source, ctx: ScanContext, start: int, joblib_view: PickleSummary
) -> PickleSummary | None:
    """Run the plain-unpickler view when the joblib view skipped array bytes; returns a
    summary of the imports only it found (None when there is nothing to add)."""
    regions = sorted(joblib_view.array_regions)
    if not regions:
        return None
    view = _PickleLoadView(source, ctx, regions)
    used = ctx.state.opcodes  # the second view does not spend the file's opcode budget
    try:
        view.run_stream(start, trailing_ok=True)
    finally:
        ctx.state.opcodes = used
    seen = joblib_view.imports
    new = {
        path: site
        for path, site in view.summary.imports.items()
        if path not in seen or _says_more(site, seen[path])
    }
    if not new:
        return None
    return PickleSummary(imports=new, calls=view.summary.calls, excerpts=view.summary.excerpts)


_FLAGS = ("called", "build_target", "result_called", "wraps_denied", "unanalysed_call")


def _says_more(site: ImportSite, seen: ImportSite) -> bool:
    """Whether the plain view used an import in a way the joblib view did not: every flag
    that can turn an allowed or file-loader import into a finding counts, and code
    arguments too (a file loader called with unanalysed bytes only there ran clean)."""
    return any(getattr(site, flag) and not getattr(seen, flag) for flag in _FLAGS) or any(
        code not in seen.code for code in site.code
    )
