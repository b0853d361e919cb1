"""The import policy as data: what a pickle may import, what proves an attack.

Entries are dotted paths "module.name". A DENY entry matches the path itself and
everything below it ("os" covers "os.system" and "os.path.join"). ALLOW entries match
exactly. Each entry carries why, and a public reference.

Why an allowlist: every exploit needs an import, and denylists are always one gadget
short (133 gadgets in "The Art of Hide and Seek", arXiv 2508.19774). The denylist below
only decides *how bad* a non-allowed import is (malicious vs unknown), it never clears one.
"""

from __future__ import annotations

from typing import NamedTuple


class Entry(NamedTuple):
    path: str
    reason: str
    reference: str


_TORCH_WO = "https://github.com/pytorch/pytorch/blob/main/torch/_weights_only_unpickler.py"
_PY = "https://docs.python.org/3/library/pickle.html#pickling-class-instances"
_NP = "https://numpy.org/doc/stable/reference/generated/numpy.ndarray.__reduce__.html"
_JOBLIB = "https://github.com/joblib/joblib/blob/main/joblib/numpy_pickle.py"
_SK = "https://scikit-learn.org/stable/model_persistence.html"
_TORCH_JIT = "https://github.com/pytorch/pytorch/blob/main/torch/jit/_pickle.py"
_TORCH_JIT_HELPERS = (
    "build_intlist",
    "build_tensorlist",
    "build_doublelist",
    "build_boollist",
    "build_tensor_from_id",
    "restore_type_tag",
)

# ---------------------------------------------------------------------------------------
# Allowlist: reconstruction helpers and data types real checkpoints use.
# ---------------------------------------------------------------------------------------
_TORCH_REBUILD = (
    "_rebuild_tensor",
    "_rebuild_tensor_v2",
    "_rebuild_tensor_v3",
    "_rebuild_parameter",
    "_rebuild_parameter_with_state",
    "_rebuild_sparse_tensor",
    "_rebuild_qtensor",
    "_rebuild_device_tensor_from_numpy",
    "_rebuild_device_tensor_from_cpu_tensor",
    "_rebuild_meta_tensor_no_storage",
    "_rebuild_wrapper_subclass",
    "_rebuild_nested_tensor",
)
_TORCH_TYPES = (
    "Float",
    "Double",
    "Half",
    "BFloat16",
    "Long",
    "Int",
    "Short",
    "Char",
    "Byte",
    "Bool",
    "ComplexFloat",
    "ComplexDouble",
    "QInt8",
    "QUInt8",
    "QInt32",
    "QUInt4x2",
    "QUInt2x4",
)
_TORCH_DTYPES = (
    "float16",
    "float32",
    "float64",
    "bfloat16",
    "complex32",
    "complex64",
    "complex128",
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint16",
    "uint32",
    "uint64",
    "qint8",
    "quint8",
    "qint32",
    "quint4x2",
    "quint2x4",
    "float8_e4m3fn",
    "float8_e4m3fnuz",
    "float8_e5m2",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
    "float4_e2m1fn_x2",
    "bits8",
    "bits16",
    "bits1x8",
    "bits2x4",
    "bits4x2",
    "half",
    "float",
    "double",
    "long",
    "int",
    "short",
    "cfloat",
    "cdouble",
    *(f"uint{i}" for i in range(1, 8)),
    *(f"int{i}" for i in range(1, 8)),
)
_TORCH_MISC = (
    "torch.Size",
    "torch.Tensor",
    "torch.device",
    "torch.nn.parameter.Parameter",
    "torch.serialization._get_layout",
    "torch._tensor._rebuild_from_type_v2",
    "torch.storage.UntypedStorage",
    "torch.storage.TypedStorage",
    "torch.per_tensor_affine",
    "torch.per_tensor_symmetric",
    "torch.per_channel_affine",
    "torch.per_channel_symmetric",
    "torch.per_channel_affine_float_qparams",
    "torch.strided",
    "torch.sparse_coo",
    "torch.sparse_csr",
    "torch.sparse_csc",
    "torch.sparse_bsr",
    "torch.sparse_bsc",
    "torch._mkldnn",
    "torch.contiguous_format",
    "torch.channels_last",
    "torch.channels_last_3d",
    "torch.preserve_format",
)


def _torch_allow() -> list[Entry]:
    out = [
        Entry(f"torch._utils.{n}", "tensor reconstruction helper", _TORCH_WO)
        for n in _TORCH_REBUILD
    ]
    for t in _TORCH_TYPES:
        for prefix in ("torch", "torch.cuda"):
            out.append(Entry(f"{prefix}.{t}Storage", "legacy typed storage class", _TORCH_WO))
        for prefix in ("torch", "torch.cuda", "torch.sparse", "torch.cuda.sparse"):
            out.append(Entry(f"{prefix}.{t}Tensor", "legacy tensor class", _TORCH_WO))
    out += [Entry(f"torch.{d}", "dtype constant", _TORCH_WO) for d in _TORCH_DTYPES]
    out += [Entry(p, "tensor metadata type", _TORCH_WO) for p in _TORCH_MISC]
    return out


_DATA_BUILTINS = (
    "set",
    "frozenset",
    "dict",
    "list",
    "tuple",
    "bytearray",
    "bytes",
    "complex",
    "slice",
    "range",
    "int",
    "float",
    "str",
    "bool",
    "object",
    "NoneType",
    "Ellipsis",
    "NotImplemented",
)

_NUMPY_SCALARS = (
    "float16",
    "float32",
    "float64",
    "longdouble",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "intc",
    "uintc",
    "intp",
    "uintp",
    "bool_",
    "complex64",
    "complex128",
    "clongdouble",
    "str_",
    "bytes_",
    "object_",
    "datetime64",
    "timedelta64",
    "void",
    "half",
    "single",
    "double",
    "byte",
    "ubyte",
    "short",
    "ushort",
    "longlong",
    "ulonglong",
    "csingle",
    "cdouble",
    "generic",
    "number",
    "integer",
    "floating",
)

ALLOW: tuple[Entry, ...] = (
    *_torch_allow(),
    # TorchScript archives' pickles rebuild typed lists through these; each returns its
    # argument unchanged (the denylisted "torch.jit" covers the code-loading parts).
    *(
        Entry(
            f"torch.jit._pickle.{n}",
            "TorchScript list/tensor rebuild helper (identity)",
            _TORCH_JIT,
        )
        for n in _TORCH_JIT_HELPERS
    ),
    *(Entry(f"builtins.{n}", "builtin data type", _PY) for n in _DATA_BUILTINS),
    *(Entry(f"__builtin__.{n}", "builtin data type (Python 2 name)", _PY) for n in _DATA_BUILTINS),
    Entry(
        "_codecs.encode",
        "rebuilds bytes in protocol < 3 pickles (str -> bytes only)",
        "https://docs.python.org/3/library/pickle.html#data-stream-format",
    ),
    Entry(
        "copyreg._reconstructor",
        "default object reconstruction (its class arguments are checked as imports of their own)",
        _PY,
    ),
    Entry("copy_reg._reconstructor", "default object reconstruction (Python 2 name)", _PY),
    Entry("copyreg.__newobj__", "protocol 2 object creation helper", _PY),
    Entry("copyreg.__newobj_ex__", "protocol 4 object creation helper", _PY),
    Entry("collections.OrderedDict", "state_dict container", _TORCH_WO),
    Entry("collections.Counter", "counter container", _TORCH_WO),
    Entry("collections.defaultdict", "dict container (factory checked as its own import)", _PY),
    Entry("collections.deque", "queue container", _PY),
    Entry("argparse.Namespace", "training arguments saved in checkpoints", _PY),
    Entry("datetime.datetime", "timestamp", _PY),
    Entry("datetime.date", "date", _PY),
    Entry("datetime.time", "time of day", _PY),
    Entry("datetime.timedelta", "duration", _PY),
    Entry("datetime.timezone", "time zone", _PY),
    Entry("decimal.Decimal", "decimal number", _PY),
    Entry("fractions.Fraction", "fraction", _PY),
    Entry("uuid.UUID", "identifier value", _PY),
    *(
        Entry(f"{m}.{n}", "numpy array reconstruction", _NP)
        for m in ("numpy.core.multiarray", "numpy._core.multiarray")
        for n in ("_reconstruct", "scalar")
    ),
    Entry("numpy.ndarray", "numpy array type", _NP),
    *(
        Entry(f"numpy.{n}", "numpy scalar type (estimators store dtype=...)", _NP)
        for n in _NUMPY_SCALARS
    ),
    Entry("numpy.dtype", "numpy dtype", _NP),
    Entry("numpy.core.numeric._frombuffer", "numpy array from bytes", _NP),
    Entry("numpy._core.numeric._frombuffer", "numpy array from bytes", _NP),
    Entry("numpy.ma.core._mareconstruct", "masked array reconstruction", _NP),
    Entry("numpy.ma.core.MaskedArray", "masked array type", _NP),
    Entry(
        "numpy.random._pickle.__randomstate_ctor",
        "RandomState from a bit generator ctor "
        "(the ctor it calls is checked as an import of its own)",
        _NP,
    ),
    Entry(
        "numpy.random._pickle.__bit_generator_ctor",
        "bit generator by name from numpy's own table",
        _NP,
    ),
    Entry(
        "numpy.random._pickle.__generator_ctor",
        "Generator from a bit generator ctor (the "
        "ctor it calls is checked as an import of its own)",
        _NP,
    ),
    Entry(
        "joblib.numpy_pickle.NumpyArrayWrapper",
        "joblib array placeholder (data follows in the stream)",
        _JOBLIB,
    ),
    Entry(
        "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
        "joblib array placeholder of the joblib copy scikit-learn < 0.23 bundled (same layout)",
        _JOBLIB,
    ),
    *(
        Entry(
            f"{m}.{home}.{n}",
            "old joblib array placeholder (the file it names is analysed or reported on its own)",
            _JOBLIB,
        )
        for m in ("joblib", "sklearn.externals.joblib")
        for home in ("numpy_pickle_compat", "numpy_pickle")  # joblib <= 0.9 defined them in
        for n in ("NDArrayWrapper", "ZNDArrayWrapper")
    ),  # numpy_pickle
    Entry(
        "numpy.random.__RandomState_ctor",
        "RandomState constructor of numpy < 1.17 pickles "
        "(takes a bit generator name from numpy's own table)",
        _NP,
    ),
    Entry("numpy.random.mtrand.__RandomState_ctor", "RandomState constructor (old home)", _NP),
)

# ---------------------------------------------------------------------------------------
# Denylist: imports that prove intent (severity naming only; they are never allowed).
# ---------------------------------------------------------------------------------------
_R_EXEC = "https://docs.python.org/3/library/functions.html#exec"
_PICKLESCAN = "https://github.com/mmaitre314/picklescan/blob/main/src/picklescan/scanner.py"

DENY: tuple[Entry, ...] = (
    *(
        Entry(f"builtins.{n}", "evaluates code, resolves names or opens files", _R_EXEC)
        for n in (
            "eval",
            "exec",
            "compile",
            "open",
            "getattr",
            "setattr",
            "delattr",
            "__import__",
            "globals",
            "locals",
            "vars",
            "breakpoint",
            "input",
            "help",
            "memoryview",
            "exit",
            "quit",
            "copyright",
            "credits",
            "license",
            "super",
            "classmethod",
            "staticmethod",
            "property",
            "print",
            "dir",
            "__loader__",
            "__spec__",
            "__build_class__",
            "aiter",
            "anext",
            "map",
            "filter",
            "iter",
            "next",
            "apply",
            "execfile",
            "reload",
            "file",
        )
    ),
    *(
        Entry(f"__builtin__.{n}", "Python 2 alias of builtins", _R_EXEC)
        for n in (
            "eval",
            "exec",
            "compile",
            "open",
            "getattr",
            "setattr",
            "__import__",
            "globals",
            "execfile",
            "file",
            "apply",
            "input",
            "reload",
        )
    ),
    Entry("os", "process, file and environment access", _PICKLESCAN),
    Entry("posix", "os primitives", _PICKLESCAN),
    Entry("nt", "os primitives (Windows)", _PICKLESCAN),
    Entry("subprocess", "spawns processes", _PICKLESCAN),
    Entry("_posixsubprocess", "spawns processes", _PICKLESCAN),
    Entry("pty", "spawns processes", _PICKLESCAN),
    Entry("sys", "interpreter internals (modules, hooks)", _PICKLESCAN),
    Entry("socket", "network access", _PICKLESCAN),
    Entry("_socket", "network access", _PICKLESCAN),
    Entry("ssl", "network access", _PICKLESCAN),
    Entry("shutil", "file operations", _PICKLESCAN),
    Entry("runpy", "runs modules as scripts", _PICKLESCAN),
    Entry("code", "interactive interpreter", _PICKLESCAN),
    Entry("codeop", "compiles code", _PICKLESCAN),
    Entry("importlib", "imports modules by name", _PICKLESCAN),
    Entry("imp", "imports modules by name", _PICKLESCAN),
    Entry("zipimport", "imports modules from archives", _PICKLESCAN),
    Entry(
        "pkgutil",
        "resolve_name turns any string into any object",
        "https://github.com/advisories/GHSA-vvpj-8cmc-gx39",
    ),
    Entry(
        "pydoc",
        "locate resolves names; pipepager runs a shell",
        "https://nvd.nist.gov/vuln/detail/CVE-2026-22608",
    ),
    Entry("operator.attrgetter", "resolves attributes by name", _PICKLESCAN),
    Entry("operator.methodcaller", "calls methods by name", _PICKLESCAN),
    Entry("_operator.attrgetter", "resolves attributes by name", _PICKLESCAN),
    Entry("_operator.methodcaller", "calls methods by name", _PICKLESCAN),
    Entry("functools.reduce", "indirection: calls any callable", _PICKLESCAN),
    Entry("_functools", "indirection: wraps any callable", _PICKLESCAN),
    Entry("pickle", "nested deserialisation", _PICKLESCAN),
    Entry("_pickle", "nested deserialisation", _PICKLESCAN),
    Entry("cPickle", "nested deserialisation", _PICKLESCAN),
    Entry("pickletools", "nested deserialisation helpers", _PICKLESCAN),
    Entry("dill", "nested deserialisation", _PICKLESCAN),
    Entry("cloudpickle", "nested deserialisation", _PICKLESCAN),
    Entry("marshal", "loads code objects", _PICKLESCAN),
    Entry("types.CodeType", "builds code objects", _PICKLESCAN),
    Entry("types.FunctionType", "builds functions from code", _PICKLESCAN),
    Entry("shelve", "nested deserialisation", _PICKLESCAN),
    Entry("torch.load", "nested deserialisation", _PICKLESCAN),
    Entry("torch.storage._load_from_bytes", "torch.load of embedded bytes", _PICKLESCAN),
    Entry("torch.serialization.load", "nested deserialisation", _PICKLESCAN),
    # torch._C as a whole is only "unknown": full-model pickles legitimately reference
    # native math functions such as torch._C._nn.gelu. Its code loaders are denied.
    *(
        Entry(f"torch._C.{n}", "loads TorchScript code", _PICKLESCAN)
        for n in (
            "import_ir_module",
            "import_ir_module_from_buffer",
            "CompilationUnit",
            "_load_for_lite_interpreter",
            "_load_for_lite_interpreter_from_buffer",
            "_import_ir_module_from_package",
            "_jit_set_emit_hooks",
            "_dynamo",
        )
    ),
    Entry("torch.hub", "downloads and runs code", _PICKLESCAN),
    Entry("torch.jit", "compiles and loads code", _PICKLESCAN),
    Entry(
        "torch.utils.collect_env.run",
        "runs shell commands",
        "https://github.com/protectai/modelscan/issues/338",
    ),
    Entry(
        "torch._inductor",
        "compiles and runs code",
        "https://github.com/protectai/modelscan/issues/338",
    ),
    Entry("numpy.load", "nested deserialisation (allow_pickle)", _PICKLESCAN),
    Entry("numpy.lib.npyio", "file loaders", _PICKLESCAN),
    Entry("numpy.testing", "test helpers that run processes", _PICKLESCAN),
    Entry("numpy.f2py", "compiles and runs code", _PICKLESCAN),
    Entry("numpy.distutils", "runs build commands", _PICKLESCAN),
    Entry("joblib.load", "nested deserialisation", _PICKLESCAN),
    Entry(
        "joblib.numpy_pickle.load",  # invariant: a name in the policy data
        "nested deserialisation",
        _PICKLESCAN,
    ),
    Entry("pip", "installs and runs packages", "https://nvd.nist.gov/vuln/detail/CVE-2025-1716"),
    Entry("ensurepip", "_run_pip runs pip", "https://github.com/advisories/GHSA-xp4f-hrf8-rxw7"),
    Entry("setuptools", "runs build commands", _PICKLESCAN),
    Entry("distutils", "runs build commands", _PICKLESCAN),
    Entry("venv", "creates environments and runs pip", _PICKLESCAN),
    Entry(
        "uuid._get_command_stdout",
        "runs a command",
        "https://nvd.nist.gov/vuln/detail/CVE-2026-56315",
    ),
    Entry("uuid._popen", "runs a command", "https://nvd.nist.gov/vuln/detail/CVE-2026-56315"),
    Entry(
        "imaplib", "IMAP4_stream runs a command", "https://nvd.nist.gov/vuln/detail/CVE-2026-56315"
    ),
    Entry("_pyrepl", "pager runs a shell", "https://nvd.nist.gov/vuln/detail/CVE-2026-56315"),
    Entry(
        "_osx_support", "runs compiler commands", "https://nvd.nist.gov/vuln/detail/CVE-2026-56315"
    ),
    Entry("_aix_support", "runs commands", "https://nvd.nist.gov/vuln/detail/CVE-2026-56315"),
    Entry(
        "platform",
        "runs commands (popen helpers)",
        "https://nvd.nist.gov/vuln/detail/CVE-2026-56315",
    ),
    Entry("ctypes", "calls native code", "https://nvd.nist.gov/vuln/detail/CVE-2026-22608"),
    Entry("_ctypes", "calls native code", "https://nvd.nist.gov/vuln/detail/CVE-2026-22608"),
    Entry("cffi", "calls native code", _PICKLESCAN),
    Entry(
        "logging.FileHandler", "creates files", "https://nvd.nist.gov/vuln/detail/CVE-2026-56304"
    ),
    Entry(
        "logging.handlers",
        "creates files and connections",
        "https://nvd.nist.gov/vuln/detail/CVE-2026-56304",
    ),
    Entry(
        "logging.config",
        "listen() evaluates configuration from a socket",
        "https://nvd.nist.gov/vuln/detail/CVE-2026-56304",
    ),
    Entry(
        "asyncio",
        "subprocess transports spawn processes",
        "https://nvd.nist.gov/vuln/detail/CVE-2025-10157",
    ),
    Entry(
        "multiprocessing",
        "spawnv_passfds and friends spawn processes",
        "https://github.com/protectai/modelscan/issues/338",
    ),
    Entry(
        "_multiprocessing", "process internals", "https://github.com/protectai/modelscan/issues/338"
    ),
    Entry("concurrent.futures.process", "spawns processes", _PICKLESCAN),
    Entry("webbrowser", "opens URLs / runs a browser", _PICKLESCAN),
    Entry("http", "network access", _PICKLESCAN),
    Entry("httplib", "network access (Python 2)", _PICKLESCAN),
    Entry("urllib", "network access", _PICKLESCAN),
    Entry("urllib2", "network access (Python 2)", _PICKLESCAN),
    Entry("requests", "network access", _PICKLESCAN),
    Entry("httpx", "network access", _PICKLESCAN),
    Entry("aiohttp", "network access", _PICKLESCAN),
    Entry("ftplib", "network access", _PICKLESCAN),
    Entry("smtplib", "network access", _PICKLESCAN),
    Entry("telnetlib", "network access", _PICKLESCAN),
    Entry("xmlrpc", "network access", _PICKLESCAN),
    Entry("tempfile", "creates files", _PICKLESCAN),
    Entry("glob", "lists files", _PICKLESCAN),
    Entry("io.open", "opens files", _PICKLESCAN),
    Entry("io.FileIO", "opens files", _PICKLESCAN),
    Entry("_io", "opens files", _PICKLESCAN),
    Entry("codecs.open", "opens files", _PICKLESCAN),
    Entry("fileinput", "opens files", _PICKLESCAN),
    Entry("pathlib.Path", "file methods", _PICKLESCAN),
    Entry("pathlib.PosixPath", "file methods", _PICKLESCAN),
    Entry("pathlib.WindowsPath", "file methods", _PICKLESCAN),
    Entry("bdb", "debugger runs code", _PICKLESCAN),
    Entry("pdb", "debugger runs code", _PICKLESCAN),
    Entry("trace", "runs code", _PICKLESCAN),
    Entry("profile", "runs code", _PICKLESCAN),
    Entry("cProfile", "runs code", _PICKLESCAN),
    Entry("timeit", "runs code", _PICKLESCAN),
    Entry("doctest", "runs code", _PICKLESCAN),
    Entry("unittest", "runs code", _PICKLESCAN),
    Entry("builtins.__dict__", "builtins namespace", _PICKLESCAN),
    Entry("signal", "process signals", _PICKLESCAN),
    Entry("gc", "interpreter internals", _PICKLESCAN),
    Entry("inspect", "interpreter internals", _PICKLESCAN),
    Entry("site", "interpreter start-up hooks", _PICKLESCAN),
    Entry("sysconfig", "interpreter configuration", _PICKLESCAN),
    Entry(
        "mlflow",
        "_run_entry_point runs commands",
        "https://github.com/protectai/modelscan/issues/338",
    ),
    Entry(
        "pandas.read_csv",
        "reads files and URLs (exfiltration)",
        "https://github.com/protectai/modelscan/issues/338",
    ),
    Entry("pandas.read_pickle", "nested deserialisation", _PICKLESCAN),
    Entry("fickling", "scanner deactivation", "https://github.com/trailofbits/fickling/pull/249"),
    Entry("picklescan", "scanner deactivation", "https://github.com/trailofbits/fickling/pull/249"),
    Entry("modelscan", "scanner deactivation", "https://github.com/trailofbits/fickling/pull/249"),
)

# Allowed helpers that call a callable handed to them: argument position of the callee.
# numpy's ctor helpers return RandomState(ctor(name)) with ``ctor`` taken from the pickle;
# copyreg._reconstructor runs base.__init__(obj, state); __newobj__ runs cls.__new__;
# torch's _rebuild_from_type_v2(func, new_type, args, state) runs func(*args).
CALLERS: dict[str, int] = {
    "torch._tensor._rebuild_from_type_v2": 0,
    "numpy.random._pickle.__randomstate_ctor": 1,
    "numpy.random._pickle.__generator_ctor": 1,
    "numpy.random._pickle.__bit_generator_ctor": 0,
    "copyreg._reconstructor": 1,
    "copy_reg._reconstructor": 1,
    "copyreg.__newobj__": 0,
    "copyreg.__newobj_ex__": 0,
}

# Allowed constructors that allocate what their arguments ask for before any state arrives:
# position of the size (an int) or of the shape (a tuple of ints) in the arguments.
# bytes(n)/bytearray(n) zero-fill n bytes; numpy's _reconstruct(cls, shape, dtype) makes an
# empty array of that shape.
ALLOCATORS: dict[str, int] = {
    "builtins.bytes": 0,
    "builtins.bytearray": 0,
    "__builtin__.bytes": 0,
    "__builtin__.bytearray": 0,
    "numpy.core.multiarray._reconstruct": 1,
    "numpy._core.multiarray._reconstruct": 1,
}

# Callables whose result holds another callable for later: a partial that the pickle never
# invokes is data (gensim models pickle some); invoked, or holding a denied callable, it is
# an attack. Checked before the denylist ("_functools" is a denied family otherwise).
WRAPPERS: frozenset[str] = frozenset({"functools.partial", "_functools.partial"})

# Loaders of embedded file bytes that plain pickle.dumps of torch tensors writes (one per
# storage): the bytes are analysed as a file of their own (a torch zip), and the call is
# an attack only when its argument is not plain bytes or the pickle invokes it otherwise.
FILE_LOADERS: frozenset[str] = frozenset({"torch.storage._load_from_bytes"})

# Calls that deserialise their bytes argument (for the nested-pickle rule).
LOADS_LIKE: frozenset[str] = frozenset(
    {  # canonical names (see policy_names.RENAMES)
        "pickle.loads",  # invariant: a name, not a call
        "pickle._loads",  # invariant: a name in the policy data, not a call
        "dill.loads",  # invariant: a name, not a call
        "cloudpickle.loads",  # invariant: a name in the policy data, not a call
        "marshal.loads",
        "numpy.loads",
        "numpy.core.numeric.loads",
        "numpy.load",
        "numpy.lib.npyio.load",
        "torch.load",
        "torch.serialization.load",
        "torch.storage._load_from_bytes",
        "joblib.load",
        "joblib.numpy_pickle.load",  # invariant: a name in the policy data
        "pandas.read_pickle",
        "pandas.io.pickle.read_pickle",
    }
)


# torch._weights_only_unpickler._get_allowed_globals() of torch 2.13: the globals
# torch.load(weights_only=True) accepts without add_safe_globals.
WEIGHTS_ONLY_GLOBALS: frozenset[str] = frozenset(
    {
        "_codecs.encode",
        "builtins.bytearray",
        "builtins.complex",
        "builtins.set",
        "collections.Counter",
        "collections.OrderedDict",
        "torch.BFloat16Storage",
        "torch.BFloat16Tensor",
        "torch.BoolStorage",
        "torch.BoolTensor",
        "torch.ByteStorage",
        "torch.ByteTensor",
        "torch.CharStorage",
        "torch.CharTensor",
        "torch.ComplexDoubleStorage",
        "torch.ComplexFloatStorage",
        "torch.DoubleStorage",
        "torch.DoubleTensor",
        "torch.FloatStorage",
        "torch.FloatTensor",
        "torch.HalfStorage",
        "torch.HalfTensor",
        "torch.IntStorage",
        "torch.IntTensor",
        "torch.LongStorage",
        "torch.LongTensor",
        "torch.QInt32Storage",
        "torch.QInt8Storage",
        "torch.QUInt2x4Storage",
        "torch.QUInt4x2Storage",
        "torch.QUInt8Storage",
        "torch.ShortStorage",
        "torch.ShortTensor",
        "torch.Size",
        "torch.Tensor",
        "torch._tensor._rebuild_from_type_v2",
        "torch._utils._rebuild_device_tensor_from_cpu_tensor",
        "torch._utils._rebuild_device_tensor_from_numpy",
        "torch._utils._rebuild_meta_tensor_no_storage",
        "torch._utils._rebuild_nested_tensor",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch._utils._rebuild_qtensor",
        "torch._utils._rebuild_sparse_tensor",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_wrapper_subclass",
        "torch.bfloat16",
        "torch.bits16",
        "torch.bits1x8",
        "torch.bits2x4",
        "torch.bits4x2",
        "torch.bits8",
        "torch.bool",
        "torch.complex128",
        "torch.complex32",
        "torch.complex64",
        "torch.cuda.BFloat16Storage",
        "torch.cuda.BFloat16Tensor",
        "torch.cuda.BoolStorage",
        "torch.cuda.BoolTensor",
        "torch.cuda.ByteStorage",
        "torch.cuda.ByteTensor",
        "torch.cuda.CharStorage",
        "torch.cuda.CharTensor",
        "torch.cuda.ComplexDoubleStorage",
        "torch.cuda.ComplexFloatStorage",
        "torch.cuda.DoubleStorage",
        "torch.cuda.DoubleTensor",
        "torch.cuda.FloatStorage",
        "torch.cuda.FloatTensor",
        "torch.cuda.HalfStorage",
        "torch.cuda.HalfTensor",
        "torch.cuda.IntStorage",
        "torch.cuda.IntTensor",
        "torch.cuda.LongStorage",
        "torch.cuda.LongTensor",
        "torch.cuda.ShortStorage",
        "torch.cuda.ShortTensor",
        "torch.cuda.sparse.BFloat16Tensor",
        "torch.cuda.sparse.ByteTensor",
        "torch.cuda.sparse.CharTensor",
        "torch.cuda.sparse.DoubleTensor",
        "torch.cuda.sparse.FloatTensor",
        "torch.cuda.sparse.HalfTensor",
        "torch.cuda.sparse.IntTensor",
        "torch.cuda.sparse.LongTensor",
        "torch.cuda.sparse.ShortTensor",
        "torch.device",
        "torch.float16",
        "torch.float32",
        "torch.float4_e2m1fn_x2",
        "torch.float64",
        "torch.float8_e4m3fn",
        "torch.float8_e4m3fnuz",
        "torch.float8_e5m2",
        "torch.float8_e5m2fnuz",
        "torch.float8_e8m0fnu",
        "torch.int1",
        "torch.int16",
        "torch.int2",
        "torch.int3",
        "torch.int32",
        "torch.int4",
        "torch.int5",
        "torch.int6",
        "torch.int64",
        "torch.int7",
        "torch.int8",
        "torch.nn.parameter.Parameter",
        "torch.per_channel_affine",
        "torch.per_channel_affine_float_qparams",
        "torch.per_channel_symmetric",
        "torch.per_tensor_affine",
        "torch.per_tensor_symmetric",
        "torch.qint32",
        "torch.qint8",
        "torch.quint2x4",
        "torch.quint4x2",
        "torch.quint8",
        "torch.serialization._get_layout",
        "torch.sparse.BFloat16Tensor",
        "torch.sparse.ByteTensor",
        "torch.sparse.CharTensor",
        "torch.sparse.DoubleTensor",
        "torch.sparse.FloatTensor",
        "torch.sparse.HalfTensor",
        "torch.sparse.IntTensor",
        "torch.sparse.LongTensor",
        "torch.sparse.ShortTensor",
        "torch.storage.TypedStorage",
        "torch.storage.UntypedStorage",
        "torch.uint1",
        "torch.uint16",
        "torch.uint2",
        "torch.uint3",
        "torch.uint32",
        "torch.uint4",
        "torch.uint5",
        "torch.uint6",
        "torch.uint64",
        "torch.uint7",
        "torch.uint8",
    }
)
