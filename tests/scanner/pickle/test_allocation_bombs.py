"""Allowed constructors asked for huge buffers: tiny files that exhaust the loader's memory.

``bytes(n)`` and ``bytearray(n)`` zero-fill n bytes; numpy's ``_reconstruct`` allocates
the array of the pickled shape before its state arrives. None of them runs code, so the
import policy allows them; the size of what they are asked for is the attack.
"""

from __future__ import annotations

import pickle

import pytest

from tests.scanner.pickle.helpers import no_internal_error, rules, scan


def _long(n: int) -> bytes:
    """LONG1: an int of any size (BININT stops at 2**31)."""
    data = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(data)]) + data


def _call(module: str, name: str, *args: bytes) -> bytes:
    return b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n(" + b"".join(args) + b"tR."


@pytest.mark.parametrize("name", ["bytes", "bytearray"])
def test_a_huge_zero_filled_buffer_is_an_allocation_bomb(name):
    report = scan(_call("builtins", name, _long(8 << 30)))
    no_internal_error(report)
    assert "pickle.allocation-bomb" in rules(report)
    assert report.verdict.value == "malicious"  # high: 8 GiB asked by 29 bytes


def test_numpy_reconstruct_of_a_huge_shape_is_an_allocation_bomb():
    shape = b"(" + _long(1 << 22) + _long(1 << 22) + b"t"
    data = _call("numpy.core.multiarray", "_reconstruct", b"cnumpy\nndarray\n", shape, b"U\x01b")
    report = scan(data)
    no_internal_error(report)
    assert "pickle.allocation-bomb" in rules(report)


@pytest.mark.parametrize(
    "value",
    [
        b"\x80\x02cbuiltins\nbytearray\n(K\x10tR.",  # small buffers are ordinary
        pickle.dumps(bytearray(b"x" * 100), protocol=2),
        pickle.dumps(bytes(range(256)), protocol=2),
    ],
)
def test_ordinary_buffers_stay_clean(value):
    report = scan(value)
    assert "pickle.allocation-bomb" not in rules(report)
    assert report.verdict.value == "clean", rules(report)


def test_real_numpy_arrays_stay_clean():
    np = pytest.importorskip("numpy")
    report = scan(pickle.dumps(np.zeros((64, 64), dtype=np.float32), protocol=2))
    assert report.verdict.value == "clean", rules(report)
