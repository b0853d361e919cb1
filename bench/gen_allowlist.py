"""Generate the pickle allowlist of library classes from the installed libraries (offline).

    python3 -m bench.gen_allowlist          # rewrites weightscan/scanner/pickle/allowlist_libs.py

The scanner never imports these libraries; this script does, once, on a developer
machine, and writes plain data. An entry is ``module -> names`` exactly as pickle writes
them (``cls.__module__``, ``cls.__qualname__``; also the module whose source defines the
class, which older releases wrote before they set ``__module__`` to a public namespace:
``numpy.matrixlib.defmatrix.matrix``), and only when:

* the object really is a class defined there (looking the name up in that module gives
  back the same class: no re-export, no attribute walk through another module);
* it sits in a vetted package (scikit-learn, scipy.sparse, numpy's array, record, masked,
  random and dtype classes, torch.nn modules and parameters) outside test helpers,
  vendored code, data set downloaders and parallel backends;
* the denylist does not name it;
* none of the methods unpickling or construction runs (``allowlist_reach.ENTRY_METHODS``:
  ``__new__``, ``__init__``, ``__setstate__``, ``__setattr__``, item methods, ``__hash__``,
  ``__eq__``, ``__del__``, ``__getattr__``..., and ``allowlist_reach.PROTOCOL_METHODS``,
  what builtins run on an instance handed to them: ``__repr__``, ``__iter__``, ``keys``...
  along its whole MRO, bases from other packages included), nor
  the library helpers they call (any installed package), to the end of each chain, touches
  files, processes, the network, threads, or compiles/loads code (checked on their
  source; a class whose methods cannot be read is kept only when it is a compiled type of
  the package, e.g. sklearn's Cython ``Tree``), and no stdlib base in its MRO does I/O or
  threads by itself (``threading.Thread``, ``io``, ``socket``, ``logging``...).

Functions are never allowed by the walk; the reconstruction helpers that the real pickles
of ``bench.library_samples`` import (Cython's ``__pyx_unpickle_*``, numpy's random ctor
helpers, sklearn's ``newObj``) are added when they sit in a vetted package.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pickle
import pickletools
import pkgutil
import platform
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

from bench import allowlist_reach
from weightscan.scanner.pickle import policy

OUT = Path(__file__).resolve().parents[1] / "weightscan/scanner/pickle/allowlist_libs.py"
# package -> walk its submodules?
VETTED: dict[str, bool] = {
    "sklearn": True,
    "scipy.sparse": True,
    "numpy": False,
    "numpy.rec": False,
    "numpy.ma": False,
    "numpy.ma.core": False,
    "numpy.dtypes": False,
    "numpy.random": True,
    "torch.nn.modules": True,
    "torch.nn.parameter": False,
    "torch.torch_version": False,
}
# What a Hugging Face or Lightning training run pickles (training_args.bin, .ckpt): these
# libraries are vetted one module at a time, never walked whole (hundreds of modules, many
# with import-time work). A class here whose construction (__init__) is not provably
# harmless may still qualify as STATE-ONLY: allowed only when the pickle makes it the way
# pickle itself does for a plain object, ``cls.__new__(cls)`` by NEWOBJ with no arguments,
# and fills it by BUILD; the scanner flags any other call of it.
HF_MODULES: tuple[str, ...] = (
    "transformers.training_args",
    "transformers.training_args_seq2seq",
    "transformers.trainer_utils",
    "transformers.trainer_pt_utils",
    "transformers.debug_utils",
    "transformers.utils.generic",
    "transformers.generation.configuration_utils",
    "transformers.trainer_callback",
    "accelerate.state",
    "accelerate.utils.dataclasses",
    "lightning.fabric.utilities.data",
    "lightning.pytorch.utilities.parsing",
    "pytorch_lightning.utilities.parsing",
    "lightning.pytorch.callbacks.model_checkpoint",
    "lightning.pytorch.callbacks.early_stopping",
    "lightning.pytorch.callbacks.lr_monitor",
    "pytorch_lightning.callbacks.model_checkpoint",
    "pytorch_lightning.callbacks.early_stopping",
    "pytorch_lightning.callbacks.lr_monitor",
)
VETTED.update(dict.fromkeys(HF_MODULES, False))
# Distributions whose versions the output records; those marked optional may be missing
# (CI installs none of them): the generator then leaves their modules out.
DISTRIBUTIONS: dict[str, bool] = {
    "numpy": False,
    "scipy": False,
    "sklearn": False,
    "torch": False,
    "transformers": True,
    "accelerate": True,
    "lightning": True,
    "pytorch_lightning": True,
}
# Modules whose public functions (pure tensor math) are allowed by exact name.
FUNCTION_MODULES = ("torch.nn.functional",)
# Sub-packages never walked (tests, vendored code, downloads, processes, GUIs).
SKIP_PARTS = frozenset(
    {
        "tests",
        "testing",
        "_testing",
        "_test_common",  # sklearn's estimator instances for its tests (imports pytest)
        "_mocking",  # sklearn's mock estimators and data frames for its tests
        "conftest",
        "externals",
        "datasets",
        "_build_utils",
        "__check_build",
        "estimator_checks",
        "_show_versions",
        "parallel",
        "benchmarks",
        "setup",
        "linalg",
        "_pytesttester",
    }
)
# Classes excluded by review although their source scan is clean.
EXCLUDE = frozenset(
    {
        "numpy.memmap",  # opens and creates files
        "numpy.vectorize",  # holds a callable and calls it
        "numpy.nditer",
        "numpy.nested_iters",
        "numpy.errstate",  # no pickled data
        "numpy.ufunc",  # pickled by name through numpy's own reconstructor
        "sklearn.utils._metadata_requests.RequestMethod",  # builds signatures at runtime
        # __setstate__ connects to the pickled listener address (multiprocessing Client), or
        # opens a socket listener with threads: the network work is in helpers it calls.
        # Both are also refused by allowlist_reach now (helpers followed, Thread base); kept
        # here so a weaker future check cannot let them back in.
        "sklearn.callback._scoring_monitor.ScoringMonitor",
        "sklearn.callback._progressbar.RichProgressMonitor",  # a threading.Thread
        # Defined only where the optional "rich" package is installed (its progress
        # display): left out so that the output does not depend on it.
        "sklearn.callback._progressbar._Progress",
        "sklearn.callback._progressbar._StyledColumnMixin",
        "sklearn.callback._progressbar._StyledPercentageColumn",
        "sklearn.callback._progressbar._StyledTimeRemainingColumn",
        # Call what they are given: a class argument is instantiated (add_callback), a
        # model argument's apply() registers hooks, context managers are entered.
        "transformers.trainer_callback.CallbackHandler",
        "transformers.debug_utils.DebugUnderflowOverflow",
        "transformers.utils.generic.ContextManagers",
    }
)
SIDE_EFFECTS = re.compile(
    r"\bopen\(|\bos\.(?!environ\b)|subprocess|socket|\bexec\(|\beval\(|\bcompile\("
    r"|importlib|__import__|Popen|\.system\(|mkdir|makedirs|\.write\(|unlink|rmtree|urlopen"
    r"|\brequests\.(?:get|post|put|request|Session)\b|urllib|Thread\(|multiprocessing|Listener\(|Client\(|threading"
    r"|Process\(|tempfile|mmap|\bloads?\(|FileHandler|getLogger|ctypes|cdll|dlopen|"
    r"load_library|\bspawn|Pool\(|Executor\(|init_process_group|TCPStore|init_rpc"
)
METHODS = (
    *allowlist_reach.ENTRY_METHODS,
    *allowlist_reach.PROTOCOL_METHODS,
    "__init_subclass__",
)
# What NEWOBJ with no arguments and BUILD run: no __init__ (nor what it calls).
STATE_METHODS = tuple(m for m in METHODS if m not in ("__init__", "__post_init__"))


def main() -> None:
    text = generate()
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(text.splitlines())} lines)")


def generate() -> str:
    """The allowlist module's text, from the installed libraries."""
    return _render(*collect())


def collect() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(fully allowed, state-only) ``module -> names`` from the installed libraries."""
    warnings.simplefilter("ignore")
    found: dict[str, set[str]] = {}
    state_only: dict[str, set[str]] = {}
    modules = list(_modules())
    kept: dict[int, type] = {}
    for module in modules:
        for name, obj in vars(module).items():
            if isinstance(obj, type) and _keep_class(module, name, obj):
                found.setdefault(module.__name__, set()).add(obj.__qualname__)
                kept[id(obj)] = obj
            elif isinstance(obj, type) and _keep_state_only(module, name, obj):
                state_only.setdefault(module.__name__, set()).add(obj.__qualname__)
            elif (
                name.startswith("__pyx_unpickle_") and callable(obj) and _in_vetted(module.__name__)
            ):
                # Cython's state restorer: T.__new__(subtype of T) + the cdef state
                found.setdefault(module.__name__, set()).add(name)
    for cls in kept.values():
        # numpy sets __module__ to its public namespace (numpy.matrix), but pickles written
        # before it did name the module that defines the class (numpy.matrixlib.defmatrix)
        for home in _defining_modules(cls):
            found.setdefault(home, set()).add(cls.__qualname__)
    for module in modules:
        # Re-exports and deprecated shims (old pickles say scipy.sparse.csr.csr_matrix):
        # a plain module attribute that IS a kept class reaches nothing else.
        for name in getattr(module, "__all__", None) or dir(module):
            if not isinstance(name, str) or name.startswith("__"):
                continue
            try:
                obj = getattr(module, name)
            except Exception:
                continue
            if (
                isinstance(obj, type)
                and id(obj) in kept
                and _in_vetted(module.__name__)
                and policy.classify(module.__name__, name).decision
                not in (policy.Decision.DENIED, policy.Decision.DUNDER)
            ):
                found.setdefault(module.__name__, set()).add(name)
    for module_name, name in _functions():
        found.setdefault(module_name, set()).add(name)
    for module_name, name in _sample_globals():
        if _keep_helper(module_name, name):
            found.setdefault(module_name, set()).add(name)
    return found, state_only


def _modules() -> Iterator[ModuleType]:
    for package, walk in VETTED.items():
        try:
            root = importlib.import_module(package)
        except ImportError:
            continue
        yield root
        if not walk or not hasattr(root, "__path__"):
            continue
        for info in pkgutil.walk_packages(
            root.__path__, prefix=package + ".", onerror=lambda _name: None
        ):
            if SKIP_PARTS.intersection(info.name.split(".")):
                continue
            try:
                yield importlib.import_module(info.name)
            except Exception:
                continue


def _in_vetted(module_name: str) -> bool:
    if SKIP_PARTS.intersection(module_name.split(".")):
        return False
    return any(
        module_name == p or module_name.startswith(p + ".") for p in VETTED
    ) or module_name.startswith(("numpy._core", "numpy.random", "numpy.rec", "numpy.ma"))


def _defining_modules(cls: type) -> set[str]:
    """Vetted modules other than ``cls.__module__`` whose source defines ``cls``: the home
    of its own methods, where that module's attribute of the same name is ``cls`` itself."""
    homes = set()
    for attr in vars(cls).values():
        func = getattr(attr, "__func__", attr)
        home = getattr(func, "__module__", None) if inspect.isfunction(func) else None
        if not home or home == cls.__module__ or not _in_vetted(home):
            continue
        if getattr(sys.modules.get(home), cls.__qualname__, None) is cls and policy.classify(
            home, cls.__qualname__
        ).decision not in (policy.Decision.DENIED, policy.Decision.DUNDER):
            homes.add(home)
    return homes


def _keep_class(module: ModuleType, name: str, cls: type) -> bool:
    return _candidate(module, name, cls) and not _has_side_effects(cls)


def _keep_state_only(module: ModuleType, name: str, cls: type) -> bool:
    """A class of ``HF_MODULES`` that ``cls.__new__(cls)`` and BUILD leave harmless."""
    return (
        module.__name__ in HF_MODULES
        and _candidate(module, name, cls)
        and not _has_side_effects(cls, STATE_METHODS)
    )


def _candidate(module: ModuleType, name: str, cls: type) -> bool:
    qualname = getattr(cls, "__qualname__", "")
    if cls.__module__ != module.__name__ or qualname != name or "<" in qualname:
        return False  # re-exported from elsewhere, or not reachable by this name
    path = f"{module.__name__}.{qualname}"
    if path in EXCLUDE or not _in_vetted(module.__name__) or issubclass(cls, type):
        return False  # (a metaclass called with three arguments makes a class)
    return policy.classify(module.__name__, qualname).decision not in (
        policy.Decision.DENIED,
        policy.Decision.DUNDER,
    )


def _has_side_effects(cls: type, methods: tuple[str, ...] = METHODS) -> bool:
    base = allowlist_reach.risky_base(cls)
    if base:
        print(f"# excluded {cls.__module__}.{cls.__qualname__}: a {base}", file=sys.stderr)
        return True
    entry_points = []
    if "__init__" in methods:
        factories = _dataclass_factories(cls)
        if factories is None:
            print(f"# excluded {cls.__module__}.{cls.__qualname__}: a factory", file=sys.stderr)
            return True
        entry_points += factories
    # Every class of the MRO, not only those of the vetted packages: a base from elsewhere
    # (torch.optim.Optimizer.__setstate__, torch.utils.data.DistributedSampler.__init__)
    # runs just the same. Builtin types have no source and are skipped below.
    for klass in cls.__mro__:
        if klass is object:
            continue
        for method, func in _entry_functions(klass, methods):
            try:
                source = inspect.getsource(func)
            except (OSError, TypeError):
                continue  # compiled (Cython/C) method of a vetted package
            if SIDE_EFFECTS.search(_code_only(source)):
                print(
                    f"# excluded {cls.__module__}.{cls.__qualname__}: {klass.__name__}.{method}",
                    file=sys.stderr,
                )
                return True
            entry_points.append((f"{klass.__name__}.{method}", func))
    # the helpers those methods call (ScoringMonitor.__setstate__ -> can_reuse_listener)
    for path, helper in allowlist_reach.reached(cls, entry_points):
        try:
            source = inspect.getsource(helper)
        except (OSError, TypeError):
            continue
        if SIDE_EFFECTS.search(_code_only(source)):
            print(f"# excluded {cls.__module__}.{cls.__qualname__}: {path}", file=sys.stderr)
            return True
    return False


def _entry_functions(klass: type, methods: tuple[str, ...]) -> Iterator[tuple[str, object]]:
    """``klass``'s own ``methods``, and the setters of its properties and other data
    descriptors: BUILD's slot state (and torch's ``_set_obj_state``) runs
    ``setattr(obj, name, value)`` for any name the pickle gives."""
    for method in methods:
        func = vars(klass).get(method)
        if func is not None:
            yield method, getattr(func, "__func__", func)
    for name, attr in vars(klass).items():
        if isinstance(attr, property):
            if attr.fset is not None:
                yield f"{name}.setter", attr.fset
        elif inspect.isfunction(getattr(type(attr), "__set__", None)):
            yield f"{name}.__set__", type(attr).__set__


def _dataclass_factories(cls: type) -> list[tuple[str, Callable[..., object]]] | None:
    """The default factories a dataclass's generated __init__ calls (it has no source of
    its own to read), or None when one is neither a builtin type nor readable code."""
    if not dataclasses.is_dataclass(cls):
        return []
    out: list[tuple[str, Callable[..., object]]] = []
    for f in dataclasses.fields(cls):
        factory = f.default_factory
        if factory is dataclasses.MISSING or factory in (list, dict, set, tuple):
            continue
        try:
            source = inspect.getsource(factory)
        except (OSError, TypeError):
            return None
        if SIDE_EFFECTS.search(_code_only(source)):
            return None
        out.append((f"{cls.__name__}.{f.name} default_factory", factory))
    return out


def _code_only(source: str) -> str:
    """A helper's source without its docstrings and comments (which often say "open(")."""
    import ast
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return source
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            body[0] = ast.Pass()
    return ast.unparse(tree)


def _functions() -> Iterator[tuple[str, str]]:
    """Math functions that torch modules hold as attributes (``activation=F.relu``)."""
    for module_name in FUNCTION_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name, obj in vars(module).items():
            home = getattr(obj, "__module__", None)
            if name.startswith("_") or not callable(obj) or isinstance(obj, type) or not home:
                continue
            if getattr(obj, "__name__", None) != name:
                continue
            try:
                if getattr(importlib.import_module(home), name) is not obj:
                    continue
            except (ImportError, AttributeError):
                continue
            if policy.classify(home, name).decision in (
                policy.Decision.DENIED,
                policy.Decision.DUNDER,
            ):
                continue
            try:
                source = inspect.getsource(obj)
            except (OSError, TypeError):
                source = ""  # a native operator
            if home != module_name and (
                source or not (home == "torch" or home.startswith("torch._C."))
            ):
                continue  # only torch's own native operators may live elsewhere
            if not SIDE_EFFECTS.search(source) and not _takes_a_callable(obj):
                yield home, name


def _takes_a_callable(func: object) -> bool:
    """A function that calls what it is given is a forwarding gadget, not math."""
    try:
        params = inspect.signature(func).parameters  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False  # a native operator without a Python signature: tensors in, out
    return any(re.search(r"func|fn\b|hook|callable", p) for p in params)


def _sample_globals() -> set[tuple[str, str]]:
    """Globals imported by real pickles of the sample objects (read, never loaded)."""
    from bench.library_samples import samples

    seen: set[tuple[str, str]] = set()
    for _, obj in samples():
        for protocol in (2, 4, 5):
            try:
                data = pickle.dumps(obj, protocol=protocol)
            except Exception:
                continue
            seen.update(_globals_in(data))
    return seen


def _globals_in(data: bytes) -> Iterator[tuple[str, str]]:
    strings: list[str] = []
    for op, arg, _ in pickletools.genops(data):
        if op.name in ("GLOBAL", "INST"):
            module, name = str(arg).split(" ", 1)
            yield module, name
        elif isinstance(arg, str):
            strings.append(arg)
        elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
            yield strings[-2], strings[-1]
        elif op.name in ("MEMOIZE", "BINGET", "BINPUT", "GET", "PUT", "LONG_BINGET", "LONG_BINPUT"):
            continue


def _keep_helper(module_name: str, name: str) -> bool:
    if not _in_vetted(module_name) or "." in name:
        return False
    if policy.classify(module_name, name).decision in (
        policy.Decision.DENIED,
        policy.Decision.DUNDER,
    ):
        return False
    try:
        obj = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        return False
    if isinstance(obj, type):
        return _keep_class(importlib.import_module(module_name), name, obj)
    return callable(obj) and (
        name.startswith("__pyx_unpickle_") or name.endswith("_ctor") or name == "newObj"
    )


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in DISTRIBUTIONS:
        try:
            out[dist] = importlib.import_module(dist).__version__
        except ImportError:
            continue
    return out


def _render(found: dict[str, set[str]], state_only: dict[str, set[str]]) -> str:
    lines = [
        '"""Library classes a pickle may import: GENERATED, do not edit.',
        "",
        "Regenerate with ``python3 -m bench.gen_allowlist``",
        "(see that script for what qualifies). Exact ``module -> names`` as pickle writes them.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "GENERATED_FROM: dict[str, str] = {",
        *(f"    {k!r}: {v!r}," for k, v in _versions().items()),
        "}",
        "",
        "LIBRARY_GLOBALS: dict[str, tuple[str, ...]] = {",
        *_entries(found),
        "}",
        "",
        "# Allowed only as ``cls.__new__(cls)`` (NEWOBJ, no arguments) filled by BUILD: their",
        "# __init__ is not proven harmless, so any other call of them is not cleared.",
        "STATE_ONLY_GLOBALS: dict[str, tuple[str, ...]] = {",
        *_entries(state_only),
        "}",
    ]
    return "\n".join(lines) + "\n"


def _entries(found: dict[str, set[str]]) -> list[str]:
    lines = []
    for module in sorted(found):
        names = sorted(found[module])
        lines.append(f"    {module!r}: (")
        line = "       "
        for name in names:
            item = f" {name!r},"
            if len(line) + len(item) > 96:
                lines.append(line)
                line = "       "
            line += item
        lines.append(line)
        lines.append("    ),")
    return lines


if __name__ == "__main__":
    main()
