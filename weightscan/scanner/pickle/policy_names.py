"""Canonical names for the import policy: renamed homes, aliases, and denied families.

The unpickler imports ``module`` and then walks ``name`` attribute by attribute, so the
same dangerous object answers to many names: a private C module (``_pickle``), a
moved module (numpy 2's ``numpy.lib._npyio_impl.load``), an alias inside an innocent
module (``sklearn.utils.np.load``). The policy maps every name to its canonical form
before the denylist and the nested-load list are consulted, and denies whole module
families (a prefix at a dotted boundary), so a new function in a denied family is denied
without being listed.
"""

from __future__ import annotations

from weightscan.scanner.pickle.policy_data import Entry

# Private or moved homes -> the public module the denylist names (prefix at dot boundary).
RENAMES: dict[str, str] = {
    "__builtin__": "builtins",
    "copy_reg": "copyreg",
    "posix": "os",
    "nt": "os",
    "_posixsubprocess": "subprocess",
    "_io": "io",
    "_operator": "operator",
    "_functools": "functools",
    "_socket": "socket",
    "_ssl": "ssl",
    "_pickle": "pickle",
    "cPickle": "pickle",
    "_multiprocessing": "multiprocessing",
    "_frozen_importlib": "importlib._bootstrap",
    "_frozen_importlib_external": "importlib._bootstrap_external",
    "_xxsubinterpreters": "_interpreters",
    "_xxinterpchannels": "_interpchannels",
    "_xxinterpqueues": "_interpqueues",
    "_sqlite3": "sqlite3",
    "_dbm": "dbm",
    "_gdbm": "dbm",
    "_tkinter": "tkinter",
    "_yaml": "yaml",
    "dill._dill": "dill",
    "cloudpickle.cloudpickle": "cloudpickle",
    "cloudpickle.cloudpickle_fast": "cloudpickle",
    "joblib.externals.cloudpickle": "cloudpickle",
    "sklearn.externals.joblib": "joblib",
    "sklearn.externals._joblib": "joblib",
    "numpy._core": "numpy.core",
    "numpy.lib._npyio_impl": "numpy.lib.npyio",
    "numpy.lib._format_impl": "numpy.lib.format",
    "torch._C._distributed_c10d": "torch.distributed",
    "torch._C._distributed_rpc": "torch.distributed.rpc",
    "torch._C._distributed_autograd": "torch.distributed.autograd",
    "torch._C._dynamo": "torch._dynamo",
}

# Names libraries commonly bind other modules to: only used inside an attribute chain
# (``sklearn.utils.np.load``), never for the imported module itself.
ALIASES: dict[str, str] = {
    "np": "numpy", "_np": "numpy", "onp": "numpy", "pd": "pandas", "sp": "scipy",
    "osp": "os.path", "_os": "os", "_sys": "sys", "_subprocess": "subprocess",
    "pkl": "pickle", "_pkl": "pickle", "jnp": "jax.numpy", "_torch": "torch",
}

# Final attributes that run code, spawn processes or load code: a dotted name (an
# attribute walk) ending in one of these is denied whatever it walks through. Real
# pickles walk only through classes (``Outer.Inner``), never to these.
CHAIN_DANGER: frozenset[str] = frozenset({
    "system", "popen", "exec", "eval", "execfile", "compile", "loads", "load_library",
    "LoadLibrary", "run_string", "run_code", "runcode", "runsource", "check_output",
    "check_call", "getoutput", "getstatusoutput", "Popen", "spawnv", "spawnve", "spawnl",
    "execv", "execve", "execvp", "fork", "forkpty", "start_new_thread", "import_module",
    "urlopen", "urlretrieve", "rmtree", "unlink", "remove", "write_text", "write_bytes",
})

_FILES = "https://docs.python.org/3/library/filesys.html"
_CODE = "https://docs.python.org/3/library/functions.html#exec"
_PROC = "https://docs.python.org/3/library/subprocess.html"
_TORCH = "https://pytorch.org/docs/stable/notes/serialization.html#security"
_NET = "https://docs.python.org/3/library/internet.html"
_TEST = "https://github.com/protectai/modelscan/issues/338"
_TPL = "https://jinja.palletsprojects.com/en/stable/sandbox/"


def _family(reason: str, reference: str, *paths: str) -> list[Entry]:
    return [Entry(p, reason, reference) for p in paths]


FAMILY_DENY: tuple[Entry, ...] = (
    # interpreter internals under private names
    *_family("imports or loads modules by name", _CODE, "_imp"),
    *_family("runs code in a sub-interpreter", _CODE, "_interpreters", "_interpchannels",
             "_interpqueues", "concurrent.interpreters", "test.support.interpreters"),
    *_family("runs callables in new threads", _PROC, "_thread", "threading", "sched"),
    *_family("runs callables at interpreter exit", _CODE, "atexit"),
    *_family("calls any callable", _CODE, "operator.call"),
    *_family("builds functions, methods or classes from code", _CODE, "types.LambdaType",
             "types.MethodType", "types.new_class", "types.ModuleType"),
    *_family("registers pickle reducers and extension codes", _CODE, "copyreg"),
    *_family("writes tracebacks to files on timers", _FILES, "faulthandler"),
    *_family("native handles and process control", _PROC, "_winapi", "msvcrt", "winreg",
             "_winreg", "fcntl", "termios", "resource", "mmap", "_posixshmem"),
    *_family("evaluates Tcl code", _CODE, "tkinter", "turtle", "turtledemo", "idlelib"),
    *_family("CPython test helpers run scripts", _TEST, "test.support", "test.libregrtest"),
    # files and databases
    *_family("creates, extracts or opens files", _FILES, "zipfile", "tarfile", "zipapp",
             "gzip.open", "gzip.GzipFile", "bz2.open", "bz2.BZ2File", "lzma.open",
             "lzma.LZMAFile", "sqlite3", "dbm", "mailbox", "linecache", "netrc",
             "compileall", "py_compile", "tabnanny", "lib2to3", "filecmp"),
    *_family("network access", _NET, "socketserver", "asynchat", "asyncore", "poplib",
             "nntplib", "smtpd", "urllib3", "wsgiref", "xml.sax", "xml.dom.pulldom"),
    # parsers and template engines that construct objects or run code
    *_family("YAML loaders construct arbitrary Python objects", _CODE, "yaml", "ruamel"),
    *_family("templates compile to Python code", _TPL, "jinja2", "mako", "tornado.template",
             "django.template", "string.templatelib"),
    *_family("evaluates expressions", _CODE, "numexpr", "sympy.sympify", "sympy.core.sympify",
             "sympy.parsing", "pandas.eval", "pandas.core.computation", "scipy.weave",
             "weave"),
    # numpy: file readers/writers, native libraries, test runners
    *_family("reads or writes files", _FILES, "numpy.lib.format", "numpy.lib._datasource",
             "numpy.DataSource", "numpy.memmap", "numpy.core.memmap", "numpy.fromfile",
             "numpy.save", "numpy.savez", "numpy.savez_compressed", "numpy.savetxt",
             "numpy.loadtxt", "numpy.genfromtxt", "numpy.fromregex", "numpy.core.records.fromfile",
             "numpy.rec.fromfile", "numpy.ma.fromfile", "numpy.ma.core.fromfile",
             "numpy.loads", "numpy.core.numeric.loads"),
    *_family("loads native libraries", _CODE, "numpy.ctypeslib"),
    *_family("runs the test suite (pytest)", _TEST, "numpy._pytesttester", "numpy.conftest"),
    # torch: code generation, processes, network stores, file writers
    *_family("deserialises or writes checkpoints", _TORCH, "torch.serialization", "torch.save",
             "torch.from_file", "torch._weights_only_unpickler", "torch.utils.model_zoo",
             "torch.storage.UntypedStorage.from_file", "torch.storage.TypedStorage.from_file",
             "torch._C.PyTorchFileWriter", "torch._C.PyTorchFileReader"),
    *_family("imports code from a package archive", _TORCH, "torch.package"),
    *_family("launches processes or talks to a network store", _TORCH, "torch.distributed",
             "torch.multiprocessing", "torch.utils.data.datapipes"),
    *_family("generates and runs Python code", _TORCH, "torch.fx", "torch._dynamo",
             "torch._export", "torch.export", "torch.compile", "torch.compiler", "torch._functorch",
             "torch._higher_order_ops", "torch._lazy", "torch.utils.cpp_extension",
             "torch.utils.benchmark", "torch._ops.load_library", "torch.ops.load_library",
             "torch.classes.load_library", "torch._classes.load_library"),
    *_family("writes files", _TORCH, "torch.utils.tensorboard", "torch.profiler",
             "torch.onnx"),
    *_family("loads configuration as code, or profiles scripts", _TORCH,
             "torch.utils._config_module", "torch.utils.bottleneck"),
    # other ecosystems: remote code, downloads, shells, remote sessions, file systems
    *_family("downloads and imports remote code", _TEST, "transformers.dynamic_module_utils",
             "diffusers.utils.dynamic_modules_utils", "huggingface_hub"),
    *_family("runs shell commands or remote sessions", _PROC, "IPython", "ipykernel",
             "pexpect", "ptyprocess", "sh", "plumbum", "invoke", "fabric", "paramiko", "git",
             "docker"),
    *_family("runs Python functions or touches files from a graph", _CODE,
             "tensorflow.python.ops.script_ops", "tensorflow.io.gfile",
             "tensorflow.python.platform.gfile", "tensorflow.python.lib.io.file_io",
             "keras.utils.get_file", "keras.src.utils.file_utils", "tf_keras.utils.get_file"),
    *_family("test helpers run scripts and processes", _TEST, "torch.testing._internal"),
    # joblib, scikit-learn, scipy, pandas: their file, process and test helpers
    *_family("deserialises or writes files", _FILES, "joblib.dump", "joblib.numpy_pickle.dump",
             "joblib.numpy_pickle.load_temporary_memmap", "joblib.numpy_pickle_compat.load",
             "joblib.numpy_pickle_utils", "joblib.compressor", "joblib.logger", "joblib.disk",
             "joblib._store_backends", "joblib._memmapping_reducer", "joblib.backports"),
    *_family("spawns worker processes", _PROC, "joblib.externals", "joblib.parallel",
             "joblib._parallel_backends", "joblib.pool", "joblib.executor",
             "joblib.Parallel", "sklearn.utils.parallel"),
    *_family("test helpers run scripts and processes", _TEST, "sklearn.utils._testing",
             "sklearn.utils.estimator_checks", "sklearn.utils._show_versions",
             "sklearn.conftest", "scipy._lib._testutils", "scipy.conftest", "pandas._testing",
             "pandas.util._tester", "pandas.conftest"),
    *_family("downloads and writes data sets", _NET, "sklearn.datasets", "scipy.datasets"),
    *_family("calls a native function pointer", _CODE, "scipy.LowLevelCallable",
             "scipy._lib._ccallback"),
    *_family("reads or writes files", _FILES, "scipy.io", "scipy.sparse._matrix_io",
             "scipy.sparse.save_npz", "scipy.sparse.load_npz", "pandas.io",
             *(f"pandas.read_{k}" for k in (
                 "table", "json", "html", "xml", "sql", "sql_query", "sql_table",
                 "excel", "parquet", "feather", "hdf", "fwf", "clipboard", "sas", "spss",
                 "stata", "orc"))),
)
