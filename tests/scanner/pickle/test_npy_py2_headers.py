"""Old joblib's side-car ``.npy`` files (``model.pkl_01.npy``): numpy.save output from
Python 2, whose header writes shapes with long suffixes, ``(2L, 3L)``."""

from __future__ import annotations

import io
import struct

import pytest

from weightscan.scanner import Verdict, scan_stream


def npy(header: str, body: bytes, version: int = 1) -> bytes:
    raw = header.encode("latin-1")
    width = 2 if version == 1 else 4
    pad = -(8 + width + len(raw) + 1) % 16
    raw += b" " * pad + b"\n"
    return (
        b"\x93NUMPY"
        + bytes([version, 0])
        + struct.pack("<H" if width == 2 else "<I", len(raw))
        + raw
        + body
    )


def scan(data: bytes):
    (file,) = scan_stream(io.BytesIO(data), name="model.pkl_01.npy").files
    return file


@pytest.mark.parametrize("shape", ["(2L, 3L)", "(6L,)", "(2, 3L)", "(1L, 2L, 3L)"])
def test_python2_long_shapes_are_clean(shape):
    size = 1
    for d in shape.strip("()").replace("L", "").split(","):
        size *= int(d) if d.strip() else 1
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}"
    data = npy(header, bytes(8 * size))
    file = scan(data)
    assert file.verdict is Verdict.CLEAN, file.findings
    np = pytest.importorskip("numpy")
    with pytest.warns(UserWarning, match="Python 2"):  # the oracle reads it too
        assert np.load(io.BytesIO(data)).size == size


def test_long_suffix_in_a_version_3_header_is_refused_like_numpy():
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2L,), }"
    file = scan(npy(header, bytes(16), version=3))
    assert file.verdict is Verdict.SUSPICIOUS


def test_lying_python2_shape_is_still_checked():
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000L,), }"
    assert scan(npy(header, bytes(16))).verdict is Verdict.SUSPICIOUS
