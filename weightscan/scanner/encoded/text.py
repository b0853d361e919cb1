"""Encoded payloads in text files (JSON and YAML configs, INI, anything text).

Runs of base64/hex characters are found in the raw text (``encoded.runs``); a run is a
value as written (JSON and YAML quote or separate values with characters outside the
alphabet). ``key=value`` joins a key to its value with ``=``, a base64 character, so the
part after the last inner ``=`` is tried as well.
"""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.encoded.decode import MAX_DECODED_BYTES, MIN_CHARS, promising_start
from weightscan.scanner.encoded.grade import inspect_string
from weightscan.scanner.encoded.runs import encoded_runs
from weightscan.scanner.source import Source

_MAX_CHARS = MAX_DECODED_BYTES * 2  # what decodes to the per-value cap, hex or base64


def check_text_values(source: Source, ctx: ScanContext) -> None:
    """Report base64/hex values in a text file that decode to a payload."""
    for run in encoded_runs(source, ctx, [(0, source.size)]):
        text = run.text(run.i, min(run.j - run.i, _MAX_CHARS))
        for at, value in _values(text):
            if promising_start(value[:16]):
                offset = run.base + run.i + at
                if inspect_string(value, ctx, where=f"text at byte {offset}", offset=offset):
                    break


def _values(text: bytes) -> list[tuple[int, bytes]]:
    """The run as a whole, and what follows its last inner ``=`` (padding is last)."""
    found = [(0, text)]
    inner = text.rstrip(b"=").rfind(b"=")
    if inner >= 0 and len(text) - inner - 1 >= MIN_CHARS:
        found.append((inner + 1, text[inner + 1 :]))
    return found
