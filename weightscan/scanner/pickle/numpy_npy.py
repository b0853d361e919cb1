"""NumPy ``.npy`` files: magic, version, header dict, then raw data or a pickle.

The header (numpy/lib/format.py) is a Python dict literal with ``descr``,
``fortran_order`` and ``shape``. It is parsed with ``ast.literal_eval`` on a
length-capped string (literals only, nothing is evaluated); versions 1 and 2 may hold
Python 2 longs (``(2L,)``), which numpy.load accepts too. Object dtypes store the array
as a pickle after the header; it is analysed like any pickle.
"""

from __future__ import annotations

import ast
import io
import math
import re
import struct
import tokenize
from typing import Any

from weightscan.scanner.context import ScanContext
from weightscan.scanner.pickle.analyzer import analyze_pickle_source
from weightscan.scanner.source import Source

MAGIC = b"\x93NUMPY"
MAX_HEADER = 64 * 1024  # numpy itself refuses headers over 10 000 bytes by default
_RULE = "pickle.npy.header"
_DESCR = re.compile(r"[<>|=]?([a-zA-Z?])(\d*)(\[[a-zA-Z0-9]+\])?\Z")
_FIXED = {"b": 1, "?": 1, "M": 8, "m": 8}


def analyze_npy(source: Source, ctx: ScanContext) -> None:
    head = source.head(12)
    if len(head) < 10 or not head.startswith(MAGIC):
        ctx.report(_RULE, "not an .npy file (magic missing)", offset=0)
        return
    major, minor = head[6], head[7]
    if major == 1:
        (hlen,) = struct.unpack("<H", head[8:10])
        start = 10
    elif major in (2, 3) and len(head) >= 12:
        (hlen,) = struct.unpack("<I", head[8:12])
        start = 12
    else:
        ctx.report(_RULE, f"unknown .npy version {major}.{minor}", offset=6)
        return
    if hlen > MAX_HEADER or start + hlen > source.size:
        ctx.report(
            _RULE,
            f"header of {hlen} bytes is too long or past the end",
            offset=8,
            evidence={"declared": hlen},
        )
        return
    raw = source.read_at(start, hlen)
    header = _parse_header(raw, "utf-8" if major == 3 else "latin-1", py2_longs=major <= 2)
    if header is None:
        ctx.report(
            _RULE,
            "the header is not a dict literal with descr, fortran_order and shape",
            offset=start,
        )
        return
    descr, shape = header["descr"], header["shape"]
    data_offset = start + hlen
    ctx.note(
        "npy",
        {
            "version": f"{major}.{minor}",
            "descr": repr(descr)[:200],
            "shape": list(shape)[:32],
            "fortran_order": header["fortran_order"],
        },
    )
    itemsize = descr_itemsize(descr)
    if itemsize == -1:
        ctx.report(
            "pickle.npy.object-array", "object array: its data is a pickle", offset=data_offset
        )
        summary = analyze_pickle_source(source, ctx, start=data_offset, trailing_ok=True)
        if summary.complete:
            _report_trailing(source, ctx, summary.end_offset)
        ctx.note("pickle", summary.to_note())
        return
    if itemsize is None:
        ctx.report(_RULE, f"dtype {descr!r} cannot be sized"[:200], offset=start)
        return
    expected = math.prod(shape) * itemsize
    actual = source.size - data_offset
    if actual != expected:
        ctx.report(
            _RULE,
            f"data is {actual} bytes, shape and dtype say {expected}",
            offset=data_offset,
            evidence={"expected": expected, "actual": actual},
        )


def _report_trailing(source: Source, ctx: ScanContext, end: int) -> None:
    """Python 2 numpy left a newline after an object array's pickle (numpy.load never reads
    past the pickle's STOP); any other trailing bytes are unexplained."""
    left = source.size - end
    if left and not (left == 1 and source.read_at(end, 1) == b"\n"):
        ctx.report(
            "pickle.data-after-stop",
            f"{left} bytes after the array's pickle are not part of it",
            offset=end,
            evidence={"bytes": left},
        )


def _parse_header(raw: bytes, encoding: str, *, py2_longs: bool = False) -> dict[str, Any] | None:
    try:
        text = raw.decode(encoding).strip()
        if py2_longs:
            text = _without_long_suffixes(text)
        value = ast.literal_eval(text)
    except (
        ValueError,
        SyntaxError,
        UnicodeDecodeError,
        MemoryError,
        RecursionError,
        tokenize.TokenError,
    ):
        return None
    if not isinstance(value, dict) or set(value) != {"descr", "fortran_order", "shape"}:
        return None
    shape = value["shape"]
    if not isinstance(shape, tuple) or not all(type(d) is int and d >= 0 for d in shape):
        return None
    if not isinstance(value["fortran_order"], bool):
        return None
    return value


def _without_long_suffixes(text: str) -> str:
    """Python 2 wrote shapes as ``(2L, 3L)`` (old joblib's side-car .npy files hold them);
    numpy.load drops the ``L`` after a number in version 1 and 2 headers, and so do we."""
    if "L" not in text:
        return text
    out: list[tokenize.TokenInfo] = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if (
            tok.type == tokenize.NAME
            and tok.string == "L"
            and out
            and out[-1].type == tokenize.NUMBER
        ):
            continue
        out.append(tok)
    return tokenize.untokenize((t.type, t.string) for t in out)


def descr_itemsize(descr: Any, depth: int = 0) -> int | None:
    """Bytes per item of an .npy ``descr``; -1 if it holds Python objects."""
    if depth > 16:
        return None
    if isinstance(descr, str) and descr in _OBJECT_NAMES:
        return -1
    if isinstance(descr, tuple):  # numpy's descr_to_dtype: dtype((base, shape))
        return _subarray_itemsize(descr, depth)
    if isinstance(descr, str):
        m = _DESCR.match(descr)
        if m is None:
            return None
        kind, digits = m.group(1), m.group(2)
        if kind == "O":
            return -1
        if digits:
            return int(digits) * (4 if kind == "U" else 1)
        return _FIXED.get(kind)
    if isinstance(descr, list):
        total = 0
        for field in descr:
            if not isinstance(field, tuple) or len(field) not in (2, 3):
                return None
            size = descr_itemsize(field[1], depth + 1)
            if size is None or size == -1:
                return size
            if len(field) == 3:
                if not isinstance(field[2], tuple) or not all(type(d) is int for d in field[2]):
                    return None
                size *= math.prod(field[2])
            total += size
        return total
    return None


_OBJECT_NAMES = frozenset({"object", "object_"})  # numpy.dtype() names of "O"


def _subarray_itemsize(descr: tuple[Any, ...], depth: int) -> int | None:
    if len(descr) != 2:
        return None
    size = descr_itemsize(descr[0], depth + 1)
    shape = (descr[1],) if type(descr[1]) is int else descr[1]
    if size is None or size == -1:
        return size
    if not isinstance(shape, tuple) or not all(type(d) is int and d >= 0 for d in shape):
        return None
    return size * math.prod(shape)
