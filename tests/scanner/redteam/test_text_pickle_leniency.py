"""Protocol-0 pickles the real unpicklers accept where the engine stopped (red team).

A text pickle that the engine could not follow to its import was not recognised as a
pickle at all: the sniffer classed it as plain text, and the file scanned clean while
``pickle.load`` (and ``torch.load``'s legacy reader) ran its ``os.system`` call. Two
leniencies of CPython's unpicklers did that:

* SETITEM/SETITEMS on a list: both unpicklers store with ``obj[key] = value``, which a
  list accepts for an index in range (the engine took it for a malformed stream);
* INT and LONG read their line with base 0 (``strtol``/``int(text, 0)``): ``0x10``,
  ``0o7``, ``0b1``, and the C INT's octal ``010``; a power-of-two base has no digit limit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.archives import rules_of, scan_bytes
from tests.scanner.redteam.build import proves_payload_runs
from weightscan.scanner import Verdict

PREFIXES = {
    "setitem on a list": b"(lp0\nI1\naI0\nI2\ns0",
    "setitems on a list": b"(lp0\nI1\na(I0\nI2\nu0",
    "hex INT": b"I0x10\n0",
    "negative hex INT": b"I-0X10\n0",
    "binary INT": b"I0b1\n0",
    "octal INT (0o)": b"I0o7\n0",
    "hex LONG": b"L0x10L\n0",
    "long hex INT": b"I0x" + b"f" * 5000 + b"\n0",
}


def text_pickle(prefix: bytes, command: str) -> bytes:
    return prefix + b"cos\nsystem\n(S'" + command.encode() + b"'\ntR."


@pytest.mark.parametrize("prefix", PREFIXES.values(), ids=PREFIXES.keys())
def test_lenient_text_pickle_is_malicious(prefix: bytes) -> None:
    report = scan_bytes(text_pickle(prefix, "touch /tmp/weightscan-redteam-text"))
    assert report.verdict is Verdict.MALICIOUS, rules_of(report)
    assert "pickle.import.malicious" in rules_of(report)


def test_list_setitem_keeps_the_stream_exact() -> None:
    # an out-of-range list index stops the unpickler: the engine goes on (lenient), but
    # a kept list does not become a dict
    data = b"\x80\x02]K\x01aK\x00K\x02s."
    assert scan_bytes(data).verdict is Verdict.CLEAN


@pytest.mark.parametrize("prefix", PREFIXES.values(), ids=PREFIXES.keys())
def test_proof_pickle_runs_the_lenient_text_pickle(tmp_path: Path, prefix: bytes) -> None:
    assert proves_payload_runs(tmp_path, "pickle", lambda c: text_pickle(prefix, c), "m.pkl")
