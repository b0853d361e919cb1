"""What a pickled ``numpy.dtype(...)`` is, by numpy's own rules, without numpy.

joblib sizes the raw array bytes it reads from ``dtype.itemsize`` and decides between raw
bytes and a nested pickle from ``dtype.hasobject``, so both must be exactly what numpy
computes, or the parse desynchronises. numpy's rules (``arraydescr_setstate`` in
numpy/_core/src/multiarray/descriptor.c):

* the type string ``"<kind><size>"`` gives the item size; the state's ``elsize`` replaces it
  only for the flexible kinds S, U and V;
* the state tuple has 5 to 9 items and its layout depends on its length;
* for state version >= 3 ``hasobject`` is bit 0 of the state's flags; for older versions
  numpy recomputes it from the kind and the fields.

Anything this model cannot state exactly returns None: the caller fails closed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from weightscan.scanner.pickle.values import Call, Container, Global

DTYPE_CLASSES = frozenset(
    {
        "numpy.dtype",
        "numpy.core.multiarray.dtype",
        "numpy._core.multiarray.dtype",
        "numpy.core._multiarray_umath.dtype",
        "numpy._core._multiarray_umath.dtype",
    }
)
_TYPESTR = re.compile(r"[<>|=]?([biufcmMOSUV?])(\d*)\Z")
# Item sizes numpy accepts for each fixed-size kind (anything else: numpy raises).
_SIZES = {
    "b": {1},
    "?": {1},
    "i": {1, 2, 4, 8},
    "u": {1, 2, 4, 8},
    "f": {2, 4, 8, 12, 16},
    "c": {8, 16, 24, 32},
    "M": {8},
    "m": {8},
    "O": {4, 8},
}
_FLEXIBLE = frozenset("SUV")
_MAX_DEPTH = 8


@dataclass(frozen=True)
class DtypeFacts:
    itemsize: int
    hasobject: bool


def dtype_facts(value: Any, depth: int = 0) -> DtypeFacts | None:
    """``itemsize`` and ``hasobject`` of a pickled dtype, or None when not known exactly."""
    if depth > _MAX_DEPTH or not isinstance(value, Call) or value.kind == "inst":
        return None
    func, args = value.func, value.args
    if not (
        isinstance(func, Global)
        and func.path in DTYPE_CLASSES
        and value.kwargs is None
        and isinstance(args, tuple)
        and 1 <= len(args) <= 3
        and type(args[0]) is str
    ):
        return None
    m = _TYPESTR.match(args[0])
    if m is None:
        return None
    kind, digits = m.group(1), m.group(2)
    if kind in _FLEXIBLE:
        if not digits:
            return None
        itemsize = int(digits) * (4 if kind == "U" else 1)
    else:
        size = int(digits) if digits else (1 if kind == "?" else -1)
        if size not in _SIZES[kind]:
            return None
        itemsize = size
    hasobject = kind == "O"
    if value.state is None:
        return DtypeFacts(itemsize, hasobject)
    return _with_state(kind, itemsize, value.state, depth)


def _with_state(kind: str, itemsize: int, state: Any, depth: int) -> DtypeFacts | None:
    if not isinstance(state, tuple) or not 5 <= len(state) <= 9:
        return None  # numpy raises: the load stops
    n = len(state)
    version = 0 if n == 5 else state[0]
    if type(version) is not int or not 0 <= version <= 4:
        return None
    subarray, fields, elsize = (
        (state[1], state[2], state[3])
        if n == 5
        else (state[2], state[3], state[4])
        if n == 6
        else (state[2], state[4], state[5])
    )
    flags = state[7] if n >= 8 else 0
    if type(flags) is not int or type(elsize) is not int:
        return None
    if kind in _FLEXIBLE:
        if elsize < 0:
            return None
        itemsize = elsize
    field_object = _fields_hold_objects(fields, depth)
    sub_object = _subarray_holds_objects(subarray, depth)
    if field_object is None or sub_object is None:
        return None
    if version < 3:
        hasobject = kind == "O" or field_object
    else:
        if -128 <= flags < 0:
            flags += 128
        hasobject = bool(flags & 1)
    if (kind == "O" or field_object or sub_object) and not hasobject:
        return None  # objects read as raw bytes: numpy would build pointers from file data
    return DtypeFacts(itemsize, hasobject)


def _fields_hold_objects(fields: Any, depth: int) -> bool | None:
    """Whether any field holds objects; None when the fields are not fully known."""
    if fields is None:
        return False
    if (
        not isinstance(fields, Container)
        or fields.kind != "dict"
        or fields.length != len(fields.items)
    ):
        return None
    seen: set[Any] = set()
    found = False
    for key, spec in fields.items:
        if type(key) is not str or key in seen:
            return None
        seen.add(key)
        if not isinstance(spec, tuple) or not 2 <= len(spec) <= 3 or type(spec[1]) is not int:
            return None
        facts = dtype_facts(spec[0], depth + 1)
        if facts is None:
            return None
        found = found or facts.hasobject
    return found


def _subarray_holds_objects(subarray: Any, depth: int) -> bool | None:
    if subarray is None:
        return False
    if not isinstance(subarray, tuple) or len(subarray) != 2:
        return None
    facts = dtype_facts(subarray[0], depth + 1)
    return None if facts is None else facts.hasobject
