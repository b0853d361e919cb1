"""Deny by canonical name and module family: aliases, moved modules, interpreter internals."""

from __future__ import annotations

import pickle

import pytest

from tests.fixtures.pickles import call0, call4, ops, pickle0, pickle4
from tests.scanner.pickle.helpers import finding, rules, scan
from weightscan.scanner import Verdict
from weightscan.scanner.pickle import policy


def _verdict_of_call(module: str, name: str, arg: str = "echo hi") -> Verdict:
    report = scan(pickle4(call4(module, name, arg)))
    return report.verdict


DENIED_CALLS = [
    # moved or private homes of denied functions
    ("numpy.lib._npyio_impl", "load"),
    ("numpy.lib._npyio_impl", "savetxt"),
    ("numpy.lib._format_impl", "open_memmap"),
    ("numpy.lib._datasource", "DataSource"),
    ("numpy._core.records", "fromfile"),
    ("numpy._core.memmap", "memmap"),
    ("numpy", "memmap"),
    ("numpy", "fromfile"),
    ("numpy", "save"),
    ("numpy.ctypeslib", "load_library"),
    ("numpy._pytesttester", "PytestTester"),
    ("_frozen_importlib", "_call_with_frames_removed"),
    ("_frozen_importlib_external", "SourceFileLoader"),
    ("_imp", "create_dynamic"),
    ("_xxsubinterpreters", "run_string"),
    ("_interpreters", "run_string"),
    ("_thread", "start_new_thread"),
    ("threading", "Thread"),
    ("atexit", "register"),
    ("operator", "call"),
    ("_operator", "call"),
    # torch: code generation, processes, network, files
    ("torch.package", "PackageImporter"),
    ("torch.package.package_importer", "PackageImporter"),
    ("torch.distributed.run", "main"),
    ("torch.distributed.rpc", "rpc_sync"),
    ("torch.distributed", "TCPStore"),
    ("torch._C._distributed_c10d", "TCPStore"),
    ("torch._C._distributed_c10d", "FileStore"),
    ("torch.fx.graph_module", "reduce_graph_module"),
    ("torch.fx.graph_module", "_deserialize_graph_module"),
    ("torch.fx", "GraphModule"),
    ("torch._dynamo.guards", "GuardBuilder.get"),
    ("torch._export.serde.serialize", "deserialize"),
    ("torch.export", "load"),
    ("torch.testing._internal.common_utils", "shell"),
    ("torch.utils.cpp_extension", "load_inline"),
    ("torch.utils.benchmark", "Timer"),
    ("torch.utils.model_zoo", "load_url"),
    ("torch.serialization", "_load"),
    ("torch", "save"),
    ("torch", "from_file"),
    ("torch.multiprocessing", "spawn"),
    ("torch._C", "PyTorchFileWriter"),
    ("torch._C", "PyTorchFileReader"),
    ("torch._weights_only_unpickler", "load"),
    # vetted libraries' file, network and test helpers
    ("joblib.logger", "PrintTime"),
    ("joblib.disk", "rm_subdirs"),
    ("joblib.compressor", "BinaryZlibFile"),
    ("joblib._store_backends", "FileSystemStoreBackend"),
    ("joblib.externals.loky", "get_reusable_executor"),
    ("sklearn.utils._testing", "assert_run_python_script_without_output"),
    ("sklearn.datasets", "fetch_openml"),
    ("sklearn.externals.joblib", "load"),
    ("scipy._lib._testutils", "PytestTester"),
    ("scipy", "LowLevelCallable"),
    ("scipy._lib._ccallback", "LowLevelCallable"),
    ("scipy.io", "savemat"),
    ("scipy.sparse", "save_npz"),
    ("pandas", "eval"),
    ("pandas.io.pickle", "read_pickle"),
    ("pandas", "read_html"),
    ("pandas._testing", "ensure_clean"),
    ("numexpr", "evaluate"),
    ("sympy", "sympify"),
    # standard library files, databases, templates, parsers
    ("zipfile", "ZipFile"),
    ("tarfile", "open"),
    ("gzip", "GzipFile"),
    ("bz2", "BZ2File"),
    ("lzma", "LZMAFile"),
    ("sqlite3", "connect"),
    ("_sqlite3", "connect"),
    ("dbm", "open"),
    ("dbm.dumb", "open"),
    ("shelve", "open"),
    ("mmap", "mmap"),
    ("linecache", "getline"),
    ("netrc", "netrc"),
    ("compileall", "compile_dir"),
    ("py_compile", "compile"),
    ("zipapp", "create_archive"),
    ("tkinter", "Tcl"),
    ("_tkinter", "create"),
    ("idlelib.pyshell", "main"),
    ("test.support.script_helper", "assert_python_ok"),
    ("yaml", "load"),
    ("yaml", "unsafe_load"),
    ("yaml", "full_load"),
    ("yaml.constructor", "UnsafeConstructor"),
    ("yaml", "UnsafeLoader"),
    ("jinja2", "Template"),
    ("jinja2", "Environment"),
    ("jinja2.environment", "Template"),
    ("mako.template", "Template"),
    ("code", "InteractiveInterpreter"),
    ("ctypes", "CDLL"),
    ("builtins", "__import__"),
    ("copyreg", "add_extension"),
    ("faulthandler", "dump_traceback_later"),
    ("types", "LambdaType"),
    # published gadgets outside the old list (picklescan / modelscan samples and kin)
    ("torch.utils._config_module", "ConfigModule.load_config"),
    ("torch.utils.bottleneck.__main__", "run_cprofile"),
    ("torch.jit.unsupported_tensor_ops", "execWrapper"),
    ("torch._inductor.codecache", "compile_file"),
    ("torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression"),
    ("numpy.f2py.crackfortran", "myeval"),
    ("numpy.testing._private.utils", "runstring"),
    ("lib2to3.pgen2.pgen", "ParserGenerator.make_label"),
    ("transformers.dynamic_module_utils", "get_class_from_dynamic_module"),
    ("huggingface_hub", "hf_hub_download"),
    ("IPython.core.interactiveshell", "InteractiveShell.system"),
    ("pexpect", "spawn"),
    ("git.cmd", "Git.execute"),
    ("paramiko", "SSHClient"),
    ("keras.utils", "get_file"),
    ("tensorflow.python.ops.script_ops", "py_func"),
    ("tensorflow.io.gfile", "GFile"),
]


@pytest.mark.parametrize(("module", "name"), DENIED_CALLS)
def test_denied_by_canonical_name_or_family(module, name):
    assert _verdict_of_call(module, name) is Verdict.MALICIOUS


@pytest.mark.parametrize(("module", "name"), DENIED_CALLS)
def test_user_allow_never_clears_a_denied_import(module, name):
    report = scan(pickle4(call4(module, name, "x")), allow=(f"{module}.{name}",))
    assert report.verdict is Verdict.MALICIOUS


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("sklearn.utils", "np.load"),  # alias np -> numpy
        ("sklearn.utils.fixes", "_np.load"),
        ("scipy.io.matlab._mio", "osp.join"),  # os.path
        ("torch.serialization", "os.system"),
        ("numpy.lib.npyio", "pickle.loads"),
        ("joblib.numpy_pickle", "pickle.Unpickler"),
        ("sklearn.base", "pd.read_pickle"),
        ("mypkg", "helpers.subprocess.run"),
        ("mypkg", "cfg.evaluator.eval"),  # a walked chain ending in a code-running name
        ("torch._ops", "ops.load_library"),
    ],
)
def test_attribute_chains_through_aliases_are_denied(module, name):
    assert _verdict_of_call(module, name) is Verdict.MALICIOUS


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("numpy.lib._npyio_impl", "load"),
        ("numpy.lib.npyio", "load"),
        ("numpy", "load"),
        ("pickle", "_loads"),
        ("_pickle", "loads"),
        ("dill._dill", "loads"),
        ("cloudpickle.cloudpickle", "loads"),
        ("joblib.externals.cloudpickle", "loads"),
        ("sklearn.utils", "pickle.loads"),
    ],
)
def test_nested_payloads_are_analysed_under_canonical_loader_names(module, name):
    inner = pickle.dumps(None, protocol=2)[:2] + call0("mypkg.inner", "payload", "x") + b"."
    data = pickle4(
        ops.SHORT_BINUNICODE(module)
        + ops.SHORT_BINUNICODE(name)
        + ops.STACK_GLOBAL
        + ops.BINBYTES(inner)
        + ops.TUPLE1
        + ops.REDUCE
    )
    report = scan(data)
    assert "pickle.nested-pickle" in rules(report), [f.to_dict() for f in report.findings]
    assert finding(report, "pickle.import.unknown", module="mypkg.inner", name="payload")


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("numpy._core.multiarray._reconstruct", "numpy.core.multiarray._reconstruct"),
        ("numpy.lib._npyio_impl.load", "numpy.lib.npyio.load"),
        ("_pickle.loads", "pickle.loads"),
        ("posix.system", "os.system"),
        (
            "_frozen_importlib_external.SourceFileLoader",
            "importlib._bootstrap_external.SourceFileLoader",
        ),
    ],
)
def test_canonical_names(path, canonical):
    assert policy.canonical(path) == canonical


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("collections", "OrderedDict"),
        ("torch._utils", "_rebuild_tensor_v2"),
        ("torch.serialization", "_get_layout"),
        ("joblib.numpy_pickle", "NumpyArrayWrapper"),
    ],
)
def test_exact_allow_entries_inside_denied_families_stay_allowed(module, name):
    assert policy.classify(module, name).decision is policy.Decision.ALLOWED


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("mypkg.tests.helpers", "Thing"),  # a user's own package: unknown, not malicious
        ("joblib.memory", "Memory"),  # Pipeline(memory=Memory(...)): not vetted, not an attack
        ("pandas.core.frame", "DataFrame"),
        ("torch.optim.adam", "Adam"),
    ],
)
def test_ordinary_unvetted_classes_are_only_unknown(module, name):
    data = pickle0(ops.GLOBAL(module, name) + ops.POP + ops.NONE)
    assert scan(data).verdict is Verdict.SUSPICIOUS
