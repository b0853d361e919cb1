"""Exact allowlist: real pickles of the vetted libraries stay clean; walks never pass."""

from __future__ import annotations

import pickle

import pytest

from bench.library_samples import BUILDERS
from tests.fixtures.pickles import call4, ops, pickle2, pickle4
from tests.scanner.pickle.helpers import rules, scan
from weightscan.scanner import Verdict
from weightscan.scanner.pickle import policy
from weightscan.scanner.pickle.allowlist_libs import (
    GENERATED_FROM,
    LIBRARY_GLOBALS,
    STATE_ONLY_GLOBALS,
)
from weightscan.scanner.pickle.policy_data import ALLOW


def _cases() -> list:
    out = []
    for build in BUILDERS:
        library = build.__name__.strip("_")
        out.append(pytest.param(build, id=library))
    return out


@pytest.mark.parametrize("build", _cases())
@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_real_pickles_of_vetted_libraries_are_clean(build, protocol):
    try:
        objects = list(build())
    except ImportError as exc:
        pytest.skip(f"library not installed: {exc}")
    bad = {}
    for name, obj in objects:
        report = scan(pickle.dumps(obj, protocol=protocol), name=f"{name}.pkl")
        if report.verdict is not Verdict.CLEAN:
            bad[name] = sorted(
                {
                    (f.rule_id, f.evidence.get("module", ""), f.evidence.get("name", ""))
                    for f in report.findings
                    if f.severity.value != "info"
                }
            )
    assert bad == {}


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("torch.nn.modules.linear", "torch.fx.GraphModule"),  # walks torch -> fx
        ("torch.nn.modules.linear", "Linear.__init__"),
        ("torch.nn.modules.linear", "F.linear"),  # torch.nn.functional imported as F
        ("sklearn.linear_model._logistic", "np.load"),
        ("scipy.sparse._csr", "np.lib.npyio.load"),
    ],
)
def test_a_walk_through_a_module_from_a_vetted_class_module_is_malicious_or_unknown(module, name):
    report = scan(pickle4(call4(module, name, "x")))
    assert report.verdict is not Verdict.CLEAN
    assert policy.classify(module, name).decision is not policy.Decision.ALLOWED


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("sklearn.linear_model", "_logistic.LogisticRegression"),  # walk through a submodule
        ("torch.nn", "modules.linear.Linear"),
        ("sklearn.foo", "Bar"),  # CamelCase under a vetted prefix, but no such class
        ("torch.nn.modules.linear", "Evil"),
        ("sklearn.tree._tree", "Tree.Evil"),
        ("scipy.sparse._csr", "csr_matrix.mro"),
    ],
)
def test_only_exact_library_names_are_allowed(module, name):
    assert policy.classify(module, name).decision is not policy.Decision.ALLOWED
    data = pickle2(ops.GLOBAL(module, name) + ops.POP + ops.NONE)
    assert scan(data).verdict is not Verdict.CLEAN


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("sklearn.tree._tree", "Tree"),  # private Cython class real forests pickle
        ("sklearn._loss.loss", "HalfBinomialLoss"),
        ("sklearn.linear_model._logistic", "LogisticRegression"),
        ("scipy.sparse._csr", "csr_matrix"),
        ("scipy.sparse.csr", "csr_matrix"),  # scipy < 1.8 pickles
        ("numpy", "matrix"),
        ("numpy.matrixlib.defmatrix", "matrix"),  # where it is defined: numpy < 1.25 pickles
        ("numpy.rec", "recarray"),
        ("numpy.lib._polynomial_impl", "poly1d"),
        ("numpy", "record"),
        ("numpy.random", "__RandomState_ctor"),
        ("numpy.random._pickle", "__randomstate_ctor"),
        ("numpy.random.mtrand", "RandomState"),
        ("numpy.random._generator", "Generator"),
        ("numpy.dtypes", "Float64DType"),
        ("torch.nn.modules.linear", "Linear"),
        ("torch.nn.parameter", "Parameter"),
        ("sklearn.externals.joblib.numpy_pickle", "NumpyArrayWrapper"),
    ],
)
def test_real_library_names_are_allowed(module, name):
    assert policy.classify(module, name).decision is policy.Decision.ALLOWED


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("joblib.logger", "PrintTime"),
        ("torch._C", "PyTorchFileWriter"),
        ("zipfile", "ZipFile"),
        ("multiprocessing.connection", "Client"),
        ("torch.distributed", "TCPStore"),
        ("torch.fx.graph_module", "GraphModule"),
        ("logging.handlers", "RotatingFileHandler"),
        ("sklearn.utils._testing", "TempMemmap"),
        ("numpy", "memmap"),
        ("numpy._core.memmap", "memmap"),  # its defining module
    ],
)
def test_dangerous_classes_of_vetted_libraries_are_never_allowed(module, name):
    decision = policy.classify(module, name).decision
    assert decision is policy.Decision.DENIED, decision


def test_a_matrix_pickled_under_its_defining_module_is_clean():
    # joblib's test data (numpy 1.6-1.11): the class named where numpy defines it
    data = pickle2(
        ops.GLOBAL("numpy.core.multiarray", "_reconstruct")
        + ops.GLOBAL("numpy.matrixlib.defmatrix", "matrix")
        + ops.BININT1(0)
        + ops.TUPLE1
        + ops.SHORT_BINBYTES(b"b")
        + ops.TUPLE3
        + ops.REDUCE
        + ops.POP
        + ops.NONE
    )
    report = scan(data)
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


def test_defining_modules_add_no_excluded_class():
    # memmap and vectorize are defined in numpy._core.memmap / numpy.lib._function_base_impl
    for module, names in LIBRARY_GLOBALS.items():
        for name in names:
            assert name not in ("memmap", "vectorize", "DataSource"), (module, name)


def test_no_allow_entry_is_a_walk_or_denied():
    # entries inside a denied family on purpose: exact helpers the family's loaders use
    inside_denied_family = {"copyreg", "copy_reg", "torch.serialization", "torch.jit._pickle"}
    entries = [tuple(e.path.rsplit(".", 1)) for e in ALLOW]
    entries += [(m, n) for m, names in LIBRARY_GLOBALS.items() for n in names]
    for module, name in entries:
        assert "." not in name, (module, name)
        if module in inside_denied_family:
            continue
        assert policy._classify_builtin(module, name).decision in (
            policy.Decision.UNKNOWN,
            policy.Decision.WRAPPER,
        ), (module, name)


def test_the_generated_list_says_what_it_was_generated_from():
    assert {"python", "numpy", "scipy", "sklearn", "torch"} <= set(GENERATED_FROM)
    assert "sklearn.tree._tree" in LIBRARY_GLOBALS


def test_user_allow_still_cannot_clear_a_denied_class():
    data = pickle2(
        ops.GLOBAL("torch.fx.graph_module", "GraphModule") + ops.EMPTY_TUPLE + ops.NEWOBJ
    )
    report = scan(data, allow=("torch.fx.graph_module.GraphModule",))
    assert report.verdict is Verdict.MALICIOUS
    assert "pickle.import.user-allowed" not in rules(report)


# -- torch.storage._load_from_bytes: plain pickle.dumps of tensors calls it per storage --


def _load_from_bytes(arg: bytes) -> bytes:
    return pickle2(ops.GLOBAL("torch.storage", "_load_from_bytes") + arg + ops.TUPLE1 + ops.REDUCE)


def test_load_from_bytes_of_a_malicious_pickle_is_malicious():
    inner = pickle4(call4("os", "system", "echo hi"))
    report = scan(_load_from_bytes(ops.BINBYTES(inner)))
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]


def test_load_from_bytes_of_a_torch_zip_with_a_malicious_data_pkl_is_malicious():
    from tests.fixtures.archives import torch_like_zip

    inner = torch_like_zip(pickle4(call4("os", "system", "echo hi")))
    report = scan(_load_from_bytes(ops.BINBYTES(inner)))
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]


def test_load_from_bytes_of_a_benign_torch_zip_is_clean():
    from tests.fixtures.archives import torch_like_zip

    report = scan(_load_from_bytes(ops.BINBYTES(torch_like_zip())))
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


@pytest.mark.parametrize(
    "arg",
    [
        ops.SHORT_BINUNICODE("not bytes"),  # a str is not what torch.save writes
        ops.GLOBAL("builtins", "bytes"),  # a value the scanner cannot read as the file
    ],
)
def test_load_from_bytes_with_anything_but_plain_bytes_is_malicious(arg):
    report = scan(_load_from_bytes(arg))
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]


def test_load_from_bytes_imported_but_not_called_is_still_malicious():
    data = pickle2(ops.GLOBAL("torch.storage", "_load_from_bytes") + ops.POP + ops.NONE)
    assert scan(data).verdict is Verdict.MALICIOUS


def test_the_committed_allowlist_is_what_the_generator_writes_today():
    from bench import gen_allowlist

    installed = gen_allowlist._versions()
    differ = {
        k
        for k in GENERATED_FROM.keys() | installed.keys()
        if installed.get(k) != GENERATED_FROM.get(k)
    }
    # optional libraries (transformers, accelerate, lightning) that are not installed here
    missing = {k for k in differ if gen_allowlist.DISTRIBUTIONS.get(k) and k not in installed}
    if differ - missing:
        pytest.skip(f"generated from {GENERATED_FROM}, installed {installed}")
    if not missing:
        assert gen_allowlist.generate() == gen_allowlist.OUT.read_text(encoding="utf-8")
        return
    # what the installed libraries give must be the committed entries of those libraries
    found, state_only = gen_allowlist.collect()
    assert _sorted(found) == _without(LIBRARY_GLOBALS, missing)
    assert _sorted(state_only) == _without(STATE_ONLY_GLOBALS, missing)


def _sorted(found: dict[str, set[str]]) -> dict[str, tuple[str, ...]]:
    return {module: tuple(sorted(names)) for module, names in found.items()}


def _without(entries: dict[str, tuple[str, ...]], libraries: set[str]) -> dict:
    return {m: names for m, names in entries.items() if m.split(".", 1)[0] not in libraries}
