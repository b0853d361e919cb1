"""``.npy`` files written by Python 2 numpy: legitimate, so clean; their pickles analysed."""

from __future__ import annotations

import io
import struct

import pytest

from tests.fixtures.pickles import call0, ops
from tests.scanner.pickle.helpers import finding, no_internal_error, rules, scan
from weightscan.scanner import Verdict

np = pytest.importorskip("numpy")


def npy(header: str, data: bytes, version: tuple[int, int] = (1, 0)) -> bytes:
    text = header.encode("latin-1")
    text += b" " * (15 - (len(text) + 10) % 16) + b"\n"
    size = struct.pack("<H" if version[0] == 1 else "<I", len(text))
    return b"\x93NUMPY" + bytes(version) + size + text + data


def py2_object_array() -> bytes:
    """What Python 2 numpy's pickle.dump(array, fp, protocol=2) wrote for [1, 'a']."""
    return (
        ops.proto(2)
        + ops.GLOBAL("numpy.core.multiarray", "_reconstruct")
        + ops.GLOBAL("numpy", "ndarray")
        + ops.MARK
        + ops.BININT1(0)
        + ops.TUPLE
        + ops.SHORT_BINSTRING("b")
        + ops.TUPLE3
        + ops.REDUCE
        + ops.MARK
        + ops.BININT1(1)
        + ops.MARK
        + ops.BININT1(2)
        + ops.TUPLE
        + ops.GLOBAL("numpy", "dtype")
        + ops.SHORT_BINSTRING("O8")
        + ops.BININT1(0)
        + ops.BININT1(1)
        + ops.TUPLE3
        + ops.REDUCE
        + ops.MARK
        + ops.BININT1(3)
        + ops.SHORT_BINSTRING("|")
        + ops.NONE
        + ops.NONE
        + ops.NONE
        + b"J\xff\xff\xff\xff"
        + b"J\xff\xff\xff\xff"
        + ops.BININT1(63)
        + ops.TUPLE
        + ops.BUILD
        + ops.NEWFALSE
        + ops.EMPTY_LIST
        + ops.MARK
        + ops.BININT1(1)
        + ops.SHORT_BINSTRING("a")
        + ops.APPENDS
        + ops.TUPLE
        + ops.BUILD
        + ops.STOP
    )


@pytest.mark.parametrize("shape", ["(2L,)", "(2L, 3L)", "(0L,)", "()"])
def test_python2_long_literals_in_the_shape(shape):
    dims = [int(d) for d in shape.strip("()").replace("L", "").split(",") if d.strip()]
    count = 1
    for d in dims:
        count *= d
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}"
    data = npy(header, b"\x00" * 8 * count)
    assert np.load(io.BytesIO(data)).shape == tuple(dims)  # the oracle accepts it
    report = scan(data, "x.npy")
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


def test_python2_long_in_a_version_3_header_is_refused_like_numpy():
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1L,), }"
    data = npy(header, b"\x00" * 8, (3, 0))
    with pytest.raises(Exception):  # noqa: B017 - numpy refuses it
        np.load(io.BytesIO(data))
    assert "pickle.npy.header" in rules(scan(data, "x.npy"))


def test_l_inside_a_string_is_not_touched():
    header = "{'descr': [('aL', '<i4')], 'fortran_order': False, 'shape': (1L,), }"
    data = npy(header, b"\x00" * 4)
    assert np.load(io.BytesIO(data)).dtype.names == ("aL",)
    assert scan(data, "x.npy").verdict is Verdict.CLEAN


def test_python2_object_array_with_a_trailing_newline_is_clean():
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (2L,), }"
    data = npy(header, py2_object_array() + b"\n")
    assert np.load(io.BytesIO(data), allow_pickle=True, encoding="latin1").tolist() == [1, "a"]
    report = scan(data, "x.npy")
    no_internal_error(report)
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


def test_more_than_a_newline_after_the_object_array_is_still_reported():
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (2L,), }"
    report = scan(npy(header, py2_object_array() + b"\nhidden bytes"), "x.npy")
    assert "pickle.data-after-stop" in rules(report)


def test_object_array_pickle_with_a_payload_is_malicious():
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1L,), }"
    payload = ops.proto(2) + call0("os", "system", "touch /tmp/x") + ops.STOP
    report = scan(npy(header, payload), "x.npy")
    assert finding(report, "pickle.import.malicious", module="os", name="system")
    assert report.verdict is Verdict.MALICIOUS
