"""Tell a pickle from other content by its first bytes, with the real opcode decoder.

Protocols 0 and 1 have no magic (``cos\\nsystem\\n...`` or ``(dp0\\n...``), so the
sniffer cannot rely on a PROTO byte. The head is run through the engine in dry mode:
every opcode must be valid, its arguments sane (imports must be dotted identifiers,
strings decodable, lengths within the window, no stack underflow), and the prefix must
either complete a pickle or fill the window with enough structure. Ordinary text
(JSON, YAML, Markdown, Python, CSV) breaks one of these rules within a few bytes.
"""

from __future__ import annotations

import io

from weightscan.scanner.context import ScanContext
from weightscan.scanner.limits import ScanLimits
from weightscan.scanner.source import Source

PROBE_WINDOW = 64 * 1024
_PROBE_LIMITS = ScanLimits(max_seconds=10.0, max_pickle_opcodes=200_000,
                           max_pickle_memo=100_000, max_pickle_stack=100_000)
_MIN_OPCODES_UNFINISHED = 8  # a window that ends mid-pickle needs this much structure


def looks_like_pickle(head: bytes) -> bool:
    from weightscan.scanner.pickle.engine import Engine
    from weightscan.scanner.pickle.opcodes import VALID

    if len(head) < 2 or head[0] not in VALID:
        return False
    window = bytes(head[:PROBE_WINDOW])
    if window[0] == 0x80:
        # PROTO 0-5 followed by an opcode: a pickle, however broken it turns out to be
        # (the analyzer must see it to report the break)
        return window[1] <= 5 and len(window) >= 3 and window[2] in VALID
    ctx = ScanContext.for_file(_PROBE_LIMITS)
    engine = Engine(Source(io.BytesIO(window), name="probe"), ctx, probe=True)
    try:
        engine.run_stream()
    except Exception:  # any surprise means "not recognisably a pickle"
        return False
    summary = engine.summary
    problem = engine.problem
    if engine.completed >= 1 and (problem is None or problem == "pickle.data-after-stop"
                                  or engine.completed >= 2):
        return summary.opcodes >= 3
    if problem == "pickle.stream.truncated":
        return (bool(summary.imports) and summary.opcodes >= 2) \
            or summary.opcodes >= _MIN_OPCODES_UNFINISHED
    return False
