"""joblib inline arrays: the engine skips exactly the bytes joblib reads, or fails closed.

Each attack is a pickle written opcode by opcode whose array bytes are sized one way by
joblib/numpy and another way by a naive reading; the payload is only reachable in
joblib's view. Benign real ``joblib.dump`` outputs of many dtypes must stay clean.
"""

from __future__ import annotations

import io
import pickle
import struct
import sys
import types
from typing import Any

import pytest

from tests.fixtures.pickles import call0, ops, pickle2
from tests.scanner.pickle.helpers import finding, no_internal_error, rules, scan
from weightscan.scanner import Severity, Verdict

np = pytest.importorskip("numpy")

WRAPPER = ("joblib.numpy_pickle", "NumpyArrayWrapper")


class Raw(bytes):
    """Opcodes written as they are (not encoded as a value)."""


def enc(value: Any) -> bytes:
    """Protocol 2 opcodes pushing ``value`` (literals, tuples, dicts, Raw opcodes)."""
    if isinstance(value, Raw):
        return bytes(value)
    if value is None:
        return ops.NONE
    if value is True or value is False:
        return ops.NEWTRUE if value else ops.NEWFALSE
    if isinstance(value, int):
        return ops.BININT(value)
    if isinstance(value, str):
        return ops.BINUNICODE(value)
    if isinstance(value, tuple):
        return ops.MARK + b"".join(enc(v) for v in value) + ops.TUPLE
    if isinstance(value, list):  # a dict given as pairs (duplicates allowed)
        return (
            ops.EMPTY_DICT + ops.MARK + b"".join(enc(k) + enc(v) for k, v in value) + ops.SETITEMS
        )
    raise TypeError(value)


def dtype(typestr: str, state: tuple | None = None) -> Raw:
    body = ops.GLOBAL("numpy", "dtype") + enc((typestr, False, True)) + ops.REDUCE
    if state is not None:
        body += enc(state) + ops.BUILD
    return Raw(body)


def f8(flags: int = 0, elsize: int = -1) -> Raw:
    return dtype("f8", (3, "<", None, None, None, elsize, -1, flags))


def wrapper(items: list[tuple[Any, Any]], *, cls: tuple[str, str] = WRAPPER) -> bytes:
    """NEWOBJ of the wrapper class, then BUILD with the given state items."""
    return ops.GLOBAL(*cls) + ops.EMPTY_TUPLE + ops.NEWOBJ + enc(items) + ops.BUILD


def state(shape=(1,), dt: Raw | None = None, align: int | None = None, **extra) -> list:
    items = [
        ("subclass", Raw(ops.GLOBAL("numpy", "ndarray"))),
        ("shape", shape),
        ("order", "C"),
        ("dtype", dt if dt is not None else f8()),
        ("allow_mmap", True),
    ]
    if align is not None:
        items.append(("numpy_array_alignment_bytes", align))
    items += list(extra.items())
    return items


PAYLOAD = ops.POP + call0("os", "system", "touch /tmp/weightscan-joblib") + ops.STOP


def hidden_after(data_len: int, engine_skips: int) -> bytes:
    """``data_len`` array bytes for joblib then PAYLOAD; a parser that skips only
    ``engine_skips`` bytes lands on a BINBYTES that swallows the payload instead."""
    gap = data_len - engine_skips - 5
    assert gap >= 0
    swallow = gap + len(PAYLOAD) - 1  # everything up to PAYLOAD's final STOP
    return b"\x00" * engine_skips + b"B" + struct.pack("<I", swallow) + b"\x00" * gap + PAYLOAD


def _malicious(data: bytes, name: str = "m.joblib"):
    report = scan(data, name)
    no_internal_error(report)
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]
    assert finding(report, "pickle.import.malicious", module="os", name="system")
    return report


def _fails_closed(data: bytes, rule: str = "pickle.joblib.array", name: str = "m.joblib"):
    report = scan(data, name)
    no_internal_error(report)
    assert report.verdict is not Verdict.CLEAN, [f.to_dict() for f in report.findings]
    assert rule in rules(report), [f.to_dict() for f in report.findings]
    return report


# -- attacks: the array bytes sized differently --------------------------------------------
def test_elsize_of_a_fixed_size_dtype_is_ignored_like_numpy_does():
    # numpy ignores the state's elsize for "f8": joblib reads 8 bytes, not 1
    data = ops.proto(2) + wrapper(state(dt=f8(elsize=1))) + hidden_after(8, 1)
    _malicious(data)


def test_old_six_item_dtype_state_places_elsize_elsewhere():
    # version-1 state (version, endian, subarray, fields, elsize, alignment): "V1" is 16 bytes
    dt = dtype("V1", (1, "|", None, None, 16, 1))
    data = ops.proto(2) + wrapper(state(dt=dt)) + hidden_after(16, 1)
    _malicious(data)


def test_hasobject_flag_makes_joblib_read_a_nested_pickle():
    # flags bit 0 (hasobject): joblib runs pickle.load on the following bytes
    inner_skip = b"B" + struct.pack("<I", 8)  # joblib: swallows the engine's BINBYTES below
    engine_bytes = b"B" + struct.pack("<I", 3 + len(PAYLOAD) - 1)
    nested = inner_skip + b"\x00\x00\x00" + engine_bytes + ops.POP + PAYLOAD[1:]
    assert len(inner_skip + b"\x00\x00\x00") == 8
    data = ops.proto(2) + wrapper(state(dt=f8(flags=1))) + nested + ops.STOP
    _malicious(data)


def test_object_dtype_array_is_a_nested_pickle_and_its_payload_is_found():
    dt = dtype("O8", (3, "|", None, None, None, -1, -1, 63))
    nested = ops.proto(2) + call0("os", "system", "touch /tmp/x") + ops.STOP
    _malicious(ops.proto(2) + wrapper(state(dt=dt)) + nested + ops.STOP)


def test_object_kind_without_the_object_flag_fails_closed():
    dt = dtype("O8", (3, "|", None, None, None, -1, -1, 0))
    _fails_closed(ops.proto(2) + wrapper(state(dt=dt)) + b"\x00" * 8 + ops.STOP)


def test_decoy_shape_among_the_first_items_and_the_real_one_later():
    items = state(shape=(1,)) + [(f"pad{i}", i) for i in range(40)] + [("shape", (2,))]
    _fails_closed(ops.proto(2) + wrapper(items) + b"\x00" * 16 + ops.STOP)


def test_duplicate_keys_in_the_state_fail_closed():
    items = [*state(shape=(1,)), ("shape", (2,))]
    _fails_closed(ops.proto(2) + wrapper(items) + b"\x00" * 16 + ops.STOP)


def test_a_state_key_built_by_a_call_fails_closed():
    key = Raw(ops.GLOBAL("builtins", "str") + enc(("shape",)) + ops.REDUCE)
    items = [*state(shape=(1,)), (key, (2,))]
    _fails_closed(ops.proto(2) + wrapper(items) + b"\x00" * 16 + ops.STOP)


def test_symbolic_alignment_attribute_fails_closed():
    align = Raw(ops.GLOBAL("builtins", "int") + enc(("16",)) + ops.REDUCE)
    items = [*state(), ("numpy_array_alignment_bytes", align)]
    _fails_closed(ops.proto(2) + wrapper(items) + b"\x00" * 9 + ops.STOP)


def test_second_build_on_the_same_wrapper_merges_attributes_like_pickle_does():
    # BUILD 1 sets everything (aligned); BUILD 2 on the memoised instance only changes the
    # shape: joblib reads a second array with padding, sized by the merged attributes.
    first = (
        ops.GLOBAL(*WRAPPER)
        + ops.EMPTY_TUPLE
        + ops.NEWOBJ
        + ops.BINPUT(0)
        + enc(state(shape=(1,), align=16))
        + ops.BUILD
    )
    pad = b"\x02\xff\xff"
    second = ops.POP + ops.BINGET(0) + enc([("shape", (2,))]) + ops.BUILD
    data = ops.proto(2) + first + pad + b"\x00" * 8 + second + pad + b"\x00" * 16 + PAYLOAD
    _malicious(data)


def test_state_and_slotstate_pair_sets_the_attributes_too():
    body = (
        ops.GLOBAL(*WRAPPER)
        + ops.EMPTY_TUPLE
        + ops.NEWOBJ
        + ops.NONE
        + enc(state(shape=(2,)))
        + ops.TUPLE2
        + ops.BUILD
    )
    _malicious(ops.proto(2) + body + b"\x00" * 16 + PAYLOAD)


def test_wrapper_created_by_calling_the_class_gets_init_attributes():
    args = (Raw(ops.GLOBAL("numpy", "ndarray")), (3,), "C", f8())  # alignment default 16
    body = ops.GLOBAL(*WRAPPER) + enc(args) + ops.REDUCE + ops.EMPTY_DICT + ops.BUILD
    _malicious(ops.proto(2) + body + b"\x01\xff" + b"\x00" * 24 + PAYLOAD)


def test_protocol0_reconstructor_wrapper_is_recognised():
    body = (
        ops.GLOBAL("copy_reg", "_reconstructor")
        + ops.MARK
        + ops.GLOBAL(*WRAPPER)
        + ops.GLOBAL("__builtin__", "object")
        + ops.NONE
        + ops.TUPLE
        + ops.REDUCE
        + enc(state(shape=(3,)))
        + ops.BUILD
    )
    _malicious(ops.proto(2) + body + b"\x00" * 24 + PAYLOAD)


def test_sklearn_bundled_joblib_wrapper_is_recognised():
    cls = ("sklearn.externals.joblib.numpy_pickle", "NumpyArrayWrapper")
    data = ops.proto(2) + wrapper(state(shape=(2,)), cls=cls) + hidden_after(16, 0)
    report = _malicious(data)
    assert report.summary["pickle"]["joblib_arrays"] == 1


def test_unknown_wrapper_alias_fails_closed():
    cls = ("joblib.numpy_pickle_utils", "NumpyArrayWrapper")
    _fails_closed(ops.proto(2) + wrapper(state(), cls=cls) + b"\x00" * 8 + ops.STOP)


def test_top_level_subarray_dtype_fails_closed():
    dt = dtype("V16", (3, "|", (Raw(f8()), (2,)), None, None, 16, 8, 0))
    _fails_closed(ops.proto(2) + wrapper(state(dt=dt)) + b"\x00" * 16 + ops.STOP)


@pytest.mark.parametrize("typestr", ["d", "float64", "b", "c", "i3", "f8[x]", "S", "M8[ns]"])
def test_type_strings_outside_the_pickled_form_fail_closed(typestr):
    _fails_closed(ops.proto(2) + wrapper(state(dt=dtype(typestr))) + b"\x00" * 8 + ops.STOP)


# -- the legacy wrapper that loads a second file -------------------------------------------
@pytest.mark.parametrize(
    ("filename", "severity"),
    [
        ("model.pkl_01.npy", Severity.MEDIUM),
        ("../../home/user/evil.npy", Severity.HIGH),
        ("/tmp/evil.npy", Severity.HIGH),
        ("C:\\evil.npy", Severity.HIGH),
        ("sub\\..\\..\\evil.npy", Severity.HIGH),
    ],
)
@pytest.mark.parametrize(
    "module",
    ["joblib.numpy_pickle", "joblib.numpy_pickle_compat", "sklearn.externals.joblib.numpy_pickle"],
)
def test_ndarray_wrapper_names_the_second_file(filename, severity, module):
    items = [
        ("filename", filename),
        ("subclass", Raw(ops.GLOBAL("numpy", "ndarray"))),
        ("allow_mmap", True),
    ]
    data = pickle2(wrapper(items, cls=(module, "NDArrayWrapper")))
    report = scan(data, "m.pkl")
    no_internal_error(report)
    f = finding(report, "pickle.joblib.external-array", filename=filename)
    assert f.severity is severity
    assert report.verdict is not Verdict.CLEAN


def test_zndarray_wrapper_names_its_zfile():
    items = [("filename", "x.z"), ("init_args", ()), ("state", ())]
    report = scan(pickle2(wrapper(items, cls=("joblib.numpy_pickle", "ZNDArrayWrapper"))))
    assert finding(report, "pickle.joblib.external-array", filename="x.z")


# -- the dtype model agrees with numpy -------------------------------------------------------
_STATES = [
    ("f8", None),
    ("f8", (3, "<", None, None, None, 1, 1, 0)),
    ("f8", (3, "<", None, None, None, -1, -1, 1)),
    ("f8", (2, "<", None, None, None, -1, -1)),
    ("f8", (4, "<", None, None, None, -1, -1, 0, None)),
    ("f8", (3, "<", None, None, None, -1, -1, -127)),
    ("V1", (1, "|", None, None, 16, 1)),
    ("V8", ("|", None, None, 12, 1)),
    ("V8", (3, "|", None, None, None, 16, 1, 0)),
    ("S1", (3, "|", None, None, None, 8, 1, 0)),
    ("U1", (3, "<", None, None, None, 8, 4, 0)),
    ("U3", None),
    ("S5", None),
    ("b1", None),
    ("i2", None),
    ("u8", None),
    ("f2", None),
    ("c16", None),
    ("M8", None),
    ("m8", None),
    ("O8", (2, "|", None, None, None, -1, -1)),
    ("i4", (3, ">", None, None, None, -1, -1, 0)),
]


@pytest.mark.parametrize(("typestr", "st"), _STATES)
def test_dtype_model_matches_numpy(typestr, st):
    from weightscan.scanner.context import ScanContext
    from weightscan.scanner.limits import DEFAULT_LIMITS
    from weightscan.scanner.pickle.engine import Engine
    from weightscan.scanner.pickle.numpy_dtype import dtype_facts
    from weightscan.scanner.source import Source

    data = pickle2(dtype(typestr, st))
    real = pickle.loads(data)  # trusted bytes built above: the oracle
    engine = Engine(Source(io.BytesIO(data), name="d"), ScanContext.for_file(DEFAULT_LIMITS))
    ok, value, _ = engine.run_at(0)
    assert ok
    facts = dtype_facts(value)
    assert facts is not None
    assert (facts.itemsize, facts.hasobject) == (real.itemsize, real.hasobject)


# -- real joblib.dump outputs ------------------------------------------------------------------
joblib = pytest.importorskip("joblib")

_ARRAYS = {
    "f16": np.arange(7, dtype=np.float16),
    "bool": np.array([True, False, True]),
    "dt": np.array(["2024-01-01", "2025-06-01"], dtype="datetime64[ns]"),
    "td": np.array([1, 2], dtype="timedelta64[s]"),
    "big": np.arange(5, dtype=">i4"),
    "fortran": np.asfortranarray(np.arange(12.0).reshape(3, 4)),
    "zero_d": np.array(3.5),
    "empty": np.zeros((0, 4)),
    "u": np.array(["ab", "cde"]),
    "s": np.array([b"x", b"yz"]),
    "c": np.arange(3) * (1 + 2j),
    "ld": np.arange(3, dtype=np.longdouble),
    "struct": np.zeros(3, dtype=[("a", "<i4"), ("b", ">f8", (2,)), ("c", "S3")]),
    "nested": np.zeros(2, dtype=[("p", [("x", "f4"), ("y", "f4")]), ("q", "u1")]),
    "aligned": np.zeros(2, dtype=np.dtype([("a", "i1"), ("b", "f8")], align=True)),
    "obj": np.array([1, "two", None], dtype=object),
    "u8": np.arange(300, dtype=np.uint8),
    "big_f": np.random.RandomState(0).rand(50, 7),
}


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("compress", [0, 3])
def test_real_joblib_dumps_of_many_dtypes_are_clean(protocol, compress):
    buf = io.BytesIO()
    joblib.dump(_ARRAYS, buf, protocol=protocol, compress=compress)
    report = scan(buf.getvalue(), "m.joblib")
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]
    if not compress:
        assert report.summary["pickle"]["joblib_arrays"] == 17


def test_real_dump_of_array_subclasses_parses_whole():
    # numpy.matrix / numpy.rec.recarray are policy questions (allowlist); the layout is not
    arrays = {
        "rec": np.rec.array([(1, 2.0)], dtype=[("x", "i8"), ("y", "f8")]),
        "matrix": np.matrix([[1, 2], [3, 4]]),
    }
    buf = io.BytesIO()
    joblib.dump(arrays, buf)
    report = scan(buf.getvalue(), "m.joblib")
    assert rules(report) <= {"pickle.import.unknown"}, [f.to_dict() for f in report.findings]
    assert report.summary["pickle"]["joblib_arrays"] == 1  # a recarray is pickled as usual


def test_real_joblib_dump_to_a_stream_without_tell_is_clean():
    class NoTell(io.BytesIO):
        def tell(self):
            raise io.UnsupportedOperation

    buf = NoTell()
    joblib.dump(_ARRAYS, buf)
    report = scan(buf.getvalue(), "m.joblib")
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


def test_real_dump_without_the_alignment_attribute_is_clean():
    # joblib < 1.2 wrote no numpy_array_alignment_bytes attribute (and no padding)
    from joblib.numpy_pickle import NumpyArrayWrapper

    def old_reduce(self, protocol):
        state = dict(vars(self))
        state.pop("numpy_array_alignment_bytes", None)
        return (copy_newobj, (type(self),), state)

    import copyreg

    copy_newobj = copyreg.__newobj__
    original = NumpyArrayWrapper.safe_get_numpy_array_alignment_bytes
    NumpyArrayWrapper.__reduce_ex__ = old_reduce
    NumpyArrayWrapper.safe_get_numpy_array_alignment_bytes = lambda self: None
    try:
        buf = io.BytesIO()
        joblib.dump(_ARRAYS, buf)
    finally:
        del NumpyArrayWrapper.__reduce_ex__
        NumpyArrayWrapper.safe_get_numpy_array_alignment_bytes = original
    data = buf.getvalue()
    assert b"numpy_array_alignment_bytes" not in data
    report = scan(data, "m.joblib")
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


def test_real_dump_under_sklearn_bundled_joblib_names_skips_arrays():
    from joblib import numpy_pickle

    alias = "sklearn.externals.joblib.numpy_pickle"
    module = types.ModuleType(alias)
    module.NumpyArrayWrapper = numpy_pickle.NumpyArrayWrapper
    sys.modules[alias] = module
    old = numpy_pickle.NumpyArrayWrapper.__module__
    numpy_pickle.NumpyArrayWrapper.__module__ = alias
    try:
        buf = io.BytesIO()
        joblib.dump({"a": np.arange(100.0), "b": np.ones(3, dtype="<i2")}, buf)
    finally:
        numpy_pickle.NumpyArrayWrapper.__module__ = old
        del sys.modules[alias]
    data = buf.getvalue()
    assert alias.encode() in data
    clean = scan(data, "m.joblib")
    assert clean.verdict is Verdict.CLEAN, [f.to_dict() for f in clean.findings]
    report = scan(data[:-1] + PAYLOAD, "m.joblib")
    assert report.summary["pickle"]["joblib_arrays"] == 2
    assert finding(report, "pickle.import.malicious", module="os", name="system")
    assert "pickle.joblib.array" not in rules(report)


# -- the same bytes read by pickle.load / torch.load (no joblib) -----------------------------
def test_array_bytes_that_are_opcodes_for_pickle_load_are_analysed_too():
    # joblib.load skips these 8*k bytes as array data; pickle.load runs them as opcodes
    run = ops.POP + call0("os", "system", "touch /tmp/weightscan-view") + ops.STOP
    run += b"\x00" * (-len(run) % 8)
    data = ops.proto(2) + wrapper(state(shape=(len(run) // 8,))) + run + ops.STOP
    report = _malicious(data, "model.pkl")
    assert report.summary["pickle"]["joblib_arrays"] == 1


def test_proof_pickle_load_runs_the_array_bytes():
    """Isolated: pickle.loads reaches the callable hidden in the array bytes."""
    run = ops.POP + ops.GLOBAL("builtins", "len") + enc(("abc",)) + ops.REDUCE + ops.STOP
    run += b"\x00" * (-len(run) % 8)
    data = ops.proto(2) + wrapper(state(shape=(len(run) // 8,))) + run + ops.STOP
    assert pickle.loads(data) == 3
    assert joblib.load(io.BytesIO(data)).shape == (len(run) // 8,)
