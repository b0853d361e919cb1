"""Pickles stored as data inside a pickle (a bytes value that is itself a pickle).

The loader hands such bytes back untouched, so they run nothing at load time; an
application that unpickles them later runs their imports. They are analysed in a context
of their own (their findings are not the file's), and the imports that are not allowed are
reported as one finding, which makes the file suspicious rather than clean -- malicious
when the stored pickle is malicious on its own (it calls ``os.system``, say): a staged
exploit, graded like its base64 or hex form (``weightscan.scanner.encoded.grade``).
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from weightscan.scanner.context import ScanContext
from weightscan.scanner.model import Severity
from weightscan.scanner.pickle.import_findings import report_imports
from weightscan.scanner.pickle.policy import Decision
from weightscan.scanner.source import Source

if TYPE_CHECKING:
    from weightscan.scanner.pickle.engine import Engine

MAX_NESTED_DEPTH = 3  # pickles inside pickles (stored as data or handed to loads)
MIN_BYTES = 8  # PROTO, a global, a call and STOP do not fit in fewer
_OK = (Decision.ALLOWED, Decision.USER_ALLOWED)
# the stored pickle's own findings that make it malicious on its own
_STAGED = ("pickle.import.", "pickle.call.", "pickle.embedded-pickle", "pickle.nested-pickle")
_IDENTIFIERS = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\Z")


def looks_embedded(raw: bytes) -> bool:
    """Cheap test run on every bytes value: starts with PROTO 0-5, ends with STOP."""
    return len(raw) >= MIN_BYTES and raw[0] == 0x80 and raw[1] <= 5 and raw[-1] == 0x2E


def check_embedded(engine: Engine, raw: bytes, offset: int, index: int) -> None:
    if engine.nested_depth >= MAX_NESTED_DEPTH:
        return
    ctx = ScanContext.for_file(engine.limits, extra_allow=engine.extra_allow)
    child = engine.child(Source(io.BytesIO(raw), name="embedded pickle"), ctx)
    child.run_stream()
    report_imports(child.summary, ctx)  # into the stored pickle's own context
    # dotted identifiers only: tensor bytes that happen to start with PROTO and end with
    # STOP decode to junk names, which no unpickler could import either
    names = sorted(
        {
            path
            for path, site in child.summary.imports.items()
            if site.classification.decision not in _OK and _IDENTIFIERS.match(path)
        }
        | child.embedded_imports
    )
    if not names:
        return
    engine.embedded_imports.update(names)
    staged = any(
        f.severity.rank >= Severity.HIGH.rank and f.rule_id.startswith(_STAGED)
        for f in ctx.findings
    )
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    engine.report(
        "pickle.embedded-pickle",
        f"{len(raw)} bytes stored as data are a pickle that imports {shown}; the "
        "loader returns them unrun, but unpickling them would run these",
        offset,
        index,
        {"bytes": len(raw), "imports": names[:20]},
        severity=Severity.HIGH if staged else None,
    )
