"""joblib's NumpyArrayWrapper: array bytes written raw into the pickle stream.

``joblib.dump`` pickles a ``NumpyArrayWrapper(subclass, shape, order, dtype, allow_mmap,
numpy_array_alignment_bytes)`` and, right after its BUILD, writes the array: for object
dtype a nested protocol-5 pickle, otherwise (joblib >= 1.2 with an alignment attribute)
one byte giving a padding length, that many padding bytes, then prod(shape) * itemsize
bytes (joblib/numpy_pickle.py, ``write_array``/``read_array``).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from weightscan.scanner.pickle.values import Call, Container, Global

if TYPE_CHECKING:
    from weightscan.scanner.pickle.engine import Engine

WRAPPER = "joblib.numpy_pickle.NumpyArrayWrapper"
_DTYPE_STR = re.compile(r"[<>|=]?([a-zA-Z])(\d*)\Z")
_FIXED = {"b": 1, "?": 1, "M": 8, "m": 8, "O": 8}


def joblib_build_hook(engine: Engine, call: Call, state: Any,
                      index: int) -> tuple[int, bool] | None:
    if not (isinstance(call.func, Global) and call.func.path == WRAPPER):
        return None
    fields = _dict_of(state)
    problem, nbytes = array_nbytes(fields)
    if problem is not None:
        raise engine.fail("pickle.joblib.array", f"joblib array: {problem}", call.offset, index)
    aligned = fields.get("numpy_array_alignment_bytes") is not None
    return nbytes, aligned


def _dict_of(state: Any) -> dict[str, Any]:
    if isinstance(state, Container) and state.kind == "dict":
        return {k: v for k, v in state.items if isinstance(k, str)}  # items are pairs
    return {}


def array_nbytes(fields: dict[str, Any]) -> tuple[str | None, int]:
    """(problem, bytes of data); data bytes are -1 for object arrays (nested pickle)."""
    shape = fields.get("shape")
    if not isinstance(shape, tuple) or not all(type(d) is int and d >= 0 for d in shape):
        return "shape is not a tuple of non-negative integers", 0
    itemsize = dtype_itemsize(fields.get("dtype"))
    if itemsize is None:
        return "dtype cannot be sized statically", 0
    if itemsize < 0:
        return None, -1
    return None, math.prod(shape) * itemsize


def _plain_fields(fields: Any, depth: int) -> bool:
    """Every field of a structured dtype is a sized, object-free dtype."""
    if not isinstance(fields, Container) or fields.kind != "dict" \
            or fields.length != len(fields.items) or depth > 8:
        return False
    for _, spec in fields.items:
        if not isinstance(spec, tuple) or not spec:
            return False
        size = dtype_itemsize(spec[0], depth + 1)
        if size is None or size < 0:
            return False
    return True


def dtype_itemsize(dtype: Any, depth: int = 0) -> int | None:
    """Item size of a pickled ``numpy.dtype(...)`` call; -1 for object dtype."""
    if not (isinstance(dtype, Call) and isinstance(dtype.func, Global)
            and dtype.func.path in ("numpy.dtype", "numpy.core.multiarray.dtype")
            and isinstance(dtype.args, tuple) and dtype.args
            and isinstance(dtype.args[0], str)):
        return None
    m = _DTYPE_STR.match(dtype.args[0])
    if m is None:
        return None
    kind, digits = m.group(1), m.group(2)
    if kind == "O":
        return -1
    st = dtype.state
    if isinstance(st, tuple) and len(st) >= 8:
        fields = st[4]
        if fields is not None and not _plain_fields(fields, depth):
            return None  # structured dtype holding objects, or not fully known
        if type(st[5]) is int and st[5] > 0:
            return st[5]
    if kind in _FIXED and not digits:
        return _FIXED[kind]
    if digits:
        size = int(digits)
        return size * 4 if kind == "U" else size
    return None
