"""joblib's array wrappers: array bytes written raw into the pickle stream, or a second file.

``joblib.dump`` pickles a ``NumpyArrayWrapper`` and, right after its BUILD, writes the
array (joblib/numpy_pickle.py ``write_array``/``read_array``): for a dtype whose
``hasobject`` is set, a nested pickle; otherwise, when the instance has a
``numpy_array_alignment_bytes`` attribute that is not None (joblib >= 1.2), one byte giving
a padding length and that many padding bytes, then ``prod(shape) * dtype.itemsize`` bytes.
joblib's unpickler recognises the wrapper with ``isinstance`` after *every* BUILD, on the
instance attributes merged over all BUILDs so far, so the engine mirrors exactly that;
whatever it cannot state exactly stops the analysis with a finding.

The legacy ``NDArrayWrapper`` (joblib <= 0.9, still loaded by today's joblib) names a
second file that joblib opens with ``numpy.load`` with pickles allowed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from weightscan.scanner.model import Severity
from weightscan.scanner.pickle.joblib_sidecars import analyse_side_car
from weightscan.scanner.pickle.numpy_dtype import dtype_facts
from weightscan.scanner.pickle.values import (
    Call,
    Container,
    Global,
    Truncated,
    TruncatedBytes,
)

if TYPE_CHECKING:
    from weightscan.scanner.pickle.engine import Engine

# joblib itself and the copy scikit-learn < 0.23 bundled (same classes, same layout).
_MODULES = ("joblib.numpy_pickle", "sklearn.externals.joblib.numpy_pickle")
WRAPPER = "joblib.numpy_pickle.NumpyArrayWrapper"
INLINE = frozenset(f"{m}.NumpyArrayWrapper" for m in _MODULES)
EXTERNAL = frozenset(
    f"{m}{tail}.{cls}"
    for m in _MODULES
    for tail in ("", "_compat")
    for cls in ("NDArrayWrapper", "ZNDArrayWrapper")
)
_CLASS_NAMES = ("NumpyArrayWrapper", "NDArrayWrapper", "ZNDArrayWrapper")
# Object creation helpers whose first argument is the class of the new instance.
_CREATORS = frozenset(
    {
        "copyreg._reconstructor",
        "copy_reg._reconstructor",
        "copyreg.__newobj__",
        "copyreg.__newobj_ex__",
    }
)
# __init__ parameters and defaults, for a wrapper created by a call
_INIT_PARAMS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "NumpyArrayWrapper": (
        ("subclass", "shape", "order", "dtype", "allow_mmap", "numpy_array_alignment_bytes"),
        {"allow_mmap": False, "numpy_array_alignment_bytes": 16},
    ),
    "NDArrayWrapper": (("filename", "subclass", "allow_mmap"), {"allow_mmap": True}),
    "ZNDArrayWrapper": (("filename", "init_args", "state"), {}),
}
_LITERAL_KEYS = (str, int, float, bytes, bool, type(None), Truncated, TruncatedBytes)


def joblib_build_hook(
    engine: Engine, call: Call, state: Any, index: int
) -> tuple[int, bool] | None:
    """After BUILD: (data bytes, aligned) for an inline array, -1 bytes for a nested pickle."""
    if engine.nested_depth:
        # an object array's pickle: joblib reads it with a plain unpickler (a fresh
        # pickle._Unpickler, or pickle.load), so no array bytes follow a wrapper there
        return None
    swapped = _assigned_class(state)
    if swapped is not None:
        before = call.klass or _instance_class(call) or ""
        if swapped == "?" or swapped.endswith(_CLASS_NAMES) or before.endswith(_CLASS_NAMES):
            # joblib.dump never does this: it turns data into opcodes or opcodes into data
            raise engine.fail(
                "pickle.joblib.array",
                f"a BUILD assigns __class__ "
                f"({before[:100] or 'an object'} -> {swapped[:100]}): joblib's "
                "isinstance test after it decides whether raw array bytes "
                "follow",
                call.offset,
                index,
                severity=None if swapped == "?" else Severity.HIGH,
            )
        call.klass = swapped
    cls = call.klass or _instance_class(call)
    if cls is None or not cls.endswith(_CLASS_NAMES):
        handed = _wrapper_class_argument(call)
        if handed is not None:
            # a helper that calls what it is handed (torch's _rebuild_from_type_v2 returns
            # func(*args)) returns a wrapper joblib then reads array bytes after
            raise engine.fail(
                "pickle.joblib.array",
                f"the joblib array wrapper class {handed[:100]} is handed to a call: "
                "whether its result is a wrapper, after which joblib reads array "
                "bytes, cannot be told",
                call.offset,
                index,
                severity=Severity.HIGH,
            )
        return None
    if cls not in INLINE and cls not in EXTERNAL:
        if cls.rsplit(".", 1)[-1] not in _CLASS_NAMES:
            return None  # e.g. "MyNDArrayWrapper"
        raise engine.fail(
            "pickle.joblib.array",
            f"{cls[:200]} is named like a joblib array "
            "wrapper but is not one the engine knows: whether joblib reads "
            "array bytes after it cannot be told",
            call.offset,
            index,
        )
    problem, attrs = _attributes(call, cls, state)
    if problem is not None:
        raise engine.fail(
            "pickle.joblib.array", f"joblib array wrapper: {problem}", call.offset, index
        )
    if cls in EXTERNAL:
        _report_external(engine, call, cls, attrs, index)
        return None
    problem, nbytes = array_nbytes(attrs)
    if problem is not None:
        raise engine.fail("pickle.joblib.array", f"joblib array: {problem}", call.offset, index)
    align = attrs.get("numpy_array_alignment_bytes")
    if not _is_literal(align):
        raise engine.fail(
            "pickle.joblib.array",
            "joblib array: the alignment attribute is "
            "not a literal, so whether a padding byte follows is unknown",
            call.offset,
            index,
        )
    return nbytes, align is not None


def _assigned_class(state: Any) -> str | None:
    """The class a BUILD's slot state assigns to ``__class__`` (pickle's load_build applies
    it with setattr, and joblib's isinstance test sees the new class); "?" when that value
    is not a named import. None when the state assigns no class."""
    if not (isinstance(state, tuple) and len(state) == 2 and isinstance(state[1], Container)):
        return None
    slots = state[1]
    found = [v for k, v in slots.items if k == "__class__"]
    if not found:
        return "?" if slots.kind == "dict" and slots.length > len(slots.items) else None
    value = found[-1]
    return value.path if isinstance(value, Global) else "?"


def _wrapper_class_argument(call: Call) -> str | None:
    """A joblib wrapper class among a call's arguments (a few levels deep), if any: as
    the callee, or as a ``__class__`` its state assigns."""
    todo = [call.args, call.kwargs]
    for _ in range(_ARGUMENT_DEPTH):
        items: list[Any] = []
        for value in todo[:_ARGUMENT_ITEMS]:
            if isinstance(value, Global) and value.name.rsplit(".", 1)[-1] in _CLASS_NAMES:
                return value.path
            if isinstance(value, tuple):
                items.extend(value)
            elif isinstance(value, Container):
                items.extend(v for pair in value.items for v in _pair(pair))
        todo = items
    return None


_ARGUMENT_DEPTH = 6
_ARGUMENT_ITEMS = 256


def _pair(item: Any) -> tuple[Any, ...]:
    return item if isinstance(item, tuple) else (item,)


def _instance_class(call: Call) -> str | None:
    func = call.func
    if not isinstance(func, Global):
        return None
    if func.path in _CREATORS:
        args = call.args
        if isinstance(args, tuple) and args and isinstance(args[0], Global):
            return args[0].path
        return None
    return func.path


def _attributes(call: Call, cls: str, state: Any) -> tuple[str | None, dict[str, Any]]:
    """The instance's attributes after this BUILD (merged with earlier BUILDs)."""
    attrs = call.attrs
    if attrs is None:
        attrs = {}
        if (
            call.kind in ("reduce", "inst", "obj")
            and isinstance(call.func, Global)
            and call.func.path == cls
        ):  # the class itself was called: __init__ ran
            problem = _init_attributes(cls, call.args, attrs)
            if problem is not None:
                return problem, attrs
        call.attrs = attrs
    # pickle's load_build: a (state, slotstate) pair, each applied when truthy
    parts = state if isinstance(state, tuple) and len(state) == 2 else (state,)
    for part in parts:
        problem = _merge(attrs, part)
        if problem is not None:
            return problem, attrs
    return None, attrs


def _init_attributes(cls: str, args: Any, attrs: dict[str, Any]) -> str | None:
    names, defaults = _INIT_PARAMS[cls.rsplit(".", 1)[-1]]
    if not isinstance(args, tuple) or len(args) > len(names):
        return "created by a call whose arguments are not known"
    attrs.update(defaults)
    attrs.update(zip(names, args, strict=False))
    return None


def _merge(attrs: dict[str, Any], part: Any) -> str | None:
    if part is None or part is False or part == 0 or part in ("", b"", ()):
        return None  # falsy: load_build skips it
    if not isinstance(part, Container) or part.kind != "dict":
        return "its BUILD state is not a dict the engine can read"
    if part.length != len(part.items):
        return (
            f"its BUILD state has {part.length} items, more than the engine keeps "
            f"({len(part.items)})"
        )
    seen: set[Any] = set()
    for key, value in part.items:
        if not isinstance(key, _LITERAL_KEYS):
            return "a BUILD state key is not a literal"
        if key in seen:
            return f"the BUILD state repeats the key {str(key)[:40]!r}"
        seen.add(key)
        if type(key) is str:
            attrs[key] = value
    return None


def _is_literal(value: Any) -> bool:
    return value is None or type(value) in (int, bool)


def array_nbytes(attrs: dict[str, Any]) -> tuple[str | None, int]:
    """(problem, bytes of data); data bytes are -1 for object arrays (nested pickle)."""
    shape = attrs.get("shape")
    if not isinstance(shape, tuple) or not all(type(d) is int and d >= 0 for d in shape):
        return "shape is not a tuple of non-negative integers", 0
    facts = dtype_facts(attrs.get("dtype"))
    if facts is None or _has_subarray(attrs.get("dtype")):
        return "its dtype cannot be sized exactly by numpy's rules", 0
    if facts.hasobject:
        return None, -1
    return None, math.prod(shape) * facts.itemsize


def _has_subarray(dtype: Any) -> bool:
    # A top-level subarray dtype never occurs in a real array (numpy folds it into the
    # shape); whatever joblib would make of it, the engine does not model it.
    state = dtype.state if isinstance(dtype, Call) else None
    if not isinstance(state, tuple) or len(state) < 5:
        return False
    return (state[1] if len(state) == 5 else state[2]) is not None


def _report_external(
    engine: Engine, call: Call, cls: str, attrs: dict[str, Any], index: int
) -> None:
    name = attrs.get("filename")
    if type(name) is not str:
        engine.report(
            "pickle.joblib.external-array",
            "joblib's legacy array wrapper loads a second file whose name the "
            "engine cannot read, with numpy.load (pickles allowed)",
            call.offset,
            index,
            {"filename": None},
            Severity.HIGH,
        )
        return
    escapes = _escapes_folder(name)
    why_not = "the name leaves the model's folder"
    if not escapes:
        found = analyse_side_car(engine.ctx, name, zfile=cls.endswith("ZNDArrayWrapper"))
        if found is None:
            return  # analysed as part of this file: its findings speak for it
        why_not = found
    engine.report(
        "pickle.joblib.external-array",
        f"joblib loads the array from a second file, {name[:200]!r}, with "
        "numpy.load (pickles allowed): a pickle in that file runs as well, and "
        f"it was not analysed: {why_not}",
        call.offset,
        index,
        {"filename": name[:500]},
        Severity.HIGH if escapes else None,
    )


def _escapes_folder(name: str) -> bool:
    """Absolute, drive-qualified or climbing ("..") file names."""
    if name.startswith(("/", "\\", "~")) or (len(name) > 1 and name[1] == ":"):
        return True
    return ".." in name.replace("\\", "/").split("/")
