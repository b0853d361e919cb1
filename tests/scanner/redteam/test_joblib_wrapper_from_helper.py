"""A joblib array wrapper made by an allowlisted helper that calls it (red team).

``torch._tensor._rebuild_from_type_v2(func, new_type, args, state)`` returns
``func(*args)``: handed ``NumpyArrayWrapper`` it returns a wrapper instance, and
joblib's ``isinstance`` test after the next BUILD reads array bytes from the stream.
The engine took the instance for a plain call result and parsed those bytes as opcodes:
a BINBYTES header there swallowed the ``os.system`` call joblib runs next, and the file
scanned clean. A wrapper class handed to any call other than its own creation is never
what joblib.dump writes: the analysis stops there (high).
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tests.fixtures.archives import rules_of, scan_bytes
from tests.scanner.redteam.build import g, proves_payload_runs, s
from weightscan.scanner import Verdict

WRAPPER = g("joblib.numpy_pickle", "NumpyArrayWrapper")


def wrapper_args(count: int) -> bytes:
    """(subclass, shape, order, dtype, allow_mmap, alignment None): no padding byte."""
    return (
        b"("
        + g("numpy", "ndarray")
        + b"K"
        + bytes([count])
        + b"\x85"
        + s("C")
        + g("numpy", "dtype")
        + s("u1")
        + b"\x89\x88\x87R"
        + b"\x89Nt"
    )


def made_by_helper(command: str) -> bytes:
    payload = g("os", "system") + s(command) + b"\x85R0"
    data = b"B" + struct.pack("<I", len(payload))  # joblib: 5 uint8; the engine: BINBYTES
    helper = g("torch._tensor", "_rebuild_from_type_v2")
    wrapper = helper + b"(" + WRAPPER + WRAPPER + wrapper_args(len(data)) + b"}tR"
    return b"\x80\x04" + wrapper + b"}b" + data + payload + b"."


def test_wrapper_made_by_a_helper_is_not_clean() -> None:
    report = scan_bytes(made_by_helper("touch /tmp/weightscan-redteam-helper"), name="m.joblib")
    assert report.verdict is Verdict.MALICIOUS, rules_of(report)
    assert "pickle.joblib.array" in rules_of(report)


def test_wrapper_class_as_plain_data_is_fine() -> None:
    # a wrapper class that no call receives (a list item) makes no array
    data = b"\x80\x04]" + WRAPPER + b"a}b."
    assert "pickle.joblib.array" not in rules_of(scan_bytes(data, name="m.joblib"))


def test_proof_joblib_reads_array_bytes_after_the_helper_made_wrapper(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    assert proves_payload_runs(tmp_path, "joblib", made_by_helper, "m.joblib")


def class_assigned_by_helper(command: str) -> bytes:
    """The helper builds a Namespace and its state's slot part assigns ``__class__``."""
    payload = g("os", "system") + s(command) + b"\x85R0"
    data = b"B" + struct.pack("<I", len(payload))
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
        + b"\x89"
        + s("numpy_array_alignment_bytes")
        + b"Nu"
    )
    slots = b"}" + s("__class__") + WRAPPER + b"s"
    namespace = g("argparse", "Namespace")
    helper = g("torch._tensor", "_rebuild_from_type_v2")
    made = helper + b"(" + namespace + namespace + b")" + attrs + slots + b"\x86tR"
    return b"\x80\x04" + made + b"}b" + data + payload + b"."


def test_class_assigned_by_a_helper_is_not_clean() -> None:
    report = scan_bytes(class_assigned_by_helper("touch /tmp/x"), name="m.joblib")
    assert report.verdict is Verdict.MALICIOUS, rules_of(report)


def test_proof_joblib_reads_array_bytes_after_the_assigned_class(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    assert proves_payload_runs(tmp_path, "joblib", class_assigned_by_helper, "m.joblib")
