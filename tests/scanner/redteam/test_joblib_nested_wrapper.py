"""A joblib array wrapper inside an object array's nested pickle (red team).

joblib reads an object array's data as a nested pickle with a fresh plain unpickler
(``pickle._Unpickler``; older releases: ``pickle.load``), which knows nothing of array
wrappers: after a ``NumpyArrayWrapper`` BUILD there, the next bytes are opcodes. The
engine kept joblib's rule inside the nested pickle and skipped them as array data, so
an ``os.system`` call placed there ran under ``joblib.load`` while the file scanned
clean (the plain-unpickler view stops at the first real array, where a plain
unpickler breaks too).
"""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.archives import rules_of, scan_bytes
from tests.scanner.redteam.build import g, proves_payload_runs, s
from weightscan.scanner import Verdict


def wrapper(count: int, dtype: str) -> bytes:
    """NumpyArrayWrapper.__new__ + BUILD of a 1-d C-order array (no alignment padding)."""
    state = (
        b"}("
        + s("subclass")
        + g("numpy", "ndarray")
        + s("shape")
        + b"K"
        + bytes([count])
        + b"\x85"
        + s("order")
        + s("C")
        + s("dtype")
        + g("numpy", "dtype")
        + s(dtype)
        + b"\x89\x88\x87R"
        + s("allow_mmap")
        + b"\x89u"
    )
    return g("joblib.numpy_pickle", "NumpyArrayWrapper") + b")\x81" + state + b"b"


def nested_wrapper(command: str) -> bytes:
    payload = g("os", "system") + s(command) + b"\x85R0"
    nested = b"\x80\x04" + wrapper(len(payload), "u1") + payload + b"."
    return (
        b"\x80\x04]("
        + wrapper(1, "u1")
        + b"\xff"  # one uint8: where a plain unpickler stops
        + wrapper(1, "O8")
        + nested
        + b"e."
    )


def test_wrapper_in_a_nested_pickle_is_no_array() -> None:
    report = scan_bytes(nested_wrapper("touch /tmp/weightscan-redteam-nested"), name="m.joblib")
    assert report.verdict is Verdict.MALICIOUS, rules_of(report)
    assert "pickle.import.malicious" in rules_of(report)


def test_proof_joblib_runs_the_bytes_after_the_nested_wrapper(tmp_path: Path) -> None:
    assert proves_payload_runs(tmp_path, "joblib", nested_wrapper, "m.joblib")
