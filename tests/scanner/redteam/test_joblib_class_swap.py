"""An instance that becomes a joblib array wrapper by a ``__class__`` assignment (red team).

joblib's unpickler recognises array wrappers with ``isinstance`` after every BUILD, and
pickle's BUILD applies a (state, slotstate) pair with ``setattr`` for the slot part, which
may assign ``__class__``. An ``argparse.Namespace`` (allowlisted) turned into a
``NumpyArrayWrapper`` makes joblib read raw "array" bytes the engine took for opcodes: a
BINBYTES there swallowed the payload that joblib runs, and the file scanned clean.
"""

from __future__ import annotations

import struct
from pathlib import Path

from tests.fixtures.archives import rules_of, scan_bytes
from tests.scanner.redteam.build import g, proves_payload_runs, s
from weightscan.scanner import Verdict


def class_swap(command: str, *, make: bytes = b")R") -> bytes:
    payload = g("os", "system") + s(command) + b"\x85R0"
    region = b"B" + struct.pack("<I", len(payload))  # joblib: 5 bytes of uint8 data
    attrs = (
        b"}("
        + s("subclass")
        + g("numpy", "ndarray")
        + s("shape")
        + b"K\x05\x85"
        + s("order")
        + s("C")
        + s("dtype")
        + g("numpy", "dtype")
        + s("u1")
        + b"\x89\x88\x87R"
        + s("allow_mmap")
        + b"\x89u"
    )
    slots = b"}" + s("__class__") + g("joblib.numpy_pickle", "NumpyArrayWrapper") + b"s"
    return (
        b"\x80\x04"
        + g("argparse", "Namespace")
        + make
        + attrs
        + slots
        + b"\x86b"
        + region
        + payload
        + b"."
    )


def test_class_swapped_into_a_joblib_wrapper() -> None:
    report = scan_bytes(class_swap("touch /tmp/weightscan-redteam-swap"), name="m.joblib")
    assert report.verdict is Verdict.MALICIOUS
    assert "pickle.joblib.array" in rules_of(report)


def test_proof_joblib_runs_after_the_swapped_wrapper(tmp_path: Path) -> None:
    assert proves_payload_runs(tmp_path, "joblib", class_swap, "m.joblib")


def wrapper_swapped_away(command: str) -> bytes:
    """The other way round: a NumpyArrayWrapper becomes a Namespace, so joblib reads no
    array bytes after its BUILD and runs what an engine would skip as array data."""
    payload = g("os", "system") + s(command) + b"\x85R0"
    attrs = (
        b"}("
        + s("subclass")
        + g("numpy", "ndarray")
        + s("shape")
        + b"K"
        + bytes([len(payload)])
        + b"\x85"
        + s("order")
        + s("C")
        + s("dtype")
        + g("numpy", "dtype")
        + s("u1")
        + b"\x89\x88\x87R"
        + s("allow_mmap")
        + b"\x89u"
    )
    slots = b"}" + s("__class__") + g("argparse", "Namespace") + b"s"
    return (
        b"\x80\x04"
        + g("joblib.numpy_pickle", "NumpyArrayWrapper")
        + b")\x81"
        + attrs
        + slots
        + b"\x86b"
        + payload
        + b"."
    )


def test_wrapper_swapped_into_another_class() -> None:
    report = scan_bytes(wrapper_swapped_away("touch /tmp/weightscan-redteam-swap"), name="m.joblib")
    assert report.verdict is Verdict.MALICIOUS


def test_proof_joblib_runs_what_follows_a_swapped_away_wrapper(tmp_path: Path) -> None:
    assert proves_payload_runs(tmp_path, "joblib", wrapper_swapped_away, "m.joblib")
