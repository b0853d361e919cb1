"""What unpickling a class may reach beyond its own methods (used by bench.gen_allowlist).

The generator reads the source of the methods pickle runs on a class; this module also
follows the helpers those methods call, to the end of the chain, through functions and methods
of any installed library, not the standard library (``self.helper()``, ``module.helper()``,
``helper()`` and imports made
inside the function), and reports stdlib bases that do I/O or threads by themselves
(a ``threading.Thread`` subclass needs no suspicious line of its own).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
import textwrap
from collections.abc import Callable, Iterator

# Methods pickle may run on an instance it builds or files into a container: REDUCE and
# NEWOBJ (__new__/__init__), BUILD (__setstate__, setattr for slot state), SETITEMS/APPENDS/
# ADDITEMS (item methods, hashing, equality), and the instance's finaliser.
ENTRY_METHODS = (
    "__new__",
    "__init__",
    "__post_init__",
    "__setstate__",
    "__set_state__",
    "__setattr__",
    "__setitem__",
    "append",
    "extend",
    "add",
    "__hash__",
    "__eq__",
    "__del__",
    "__getattr__",
    "__getattribute__",
    "_missing_",  # an Enum class called with a value it does not hold (REDUCE)
)
# Methods an allowed callable of the pickle runs on an instance it is handed: builtins.str
# and friends (str, repr, format), list/tuple/set/dict/OrderedDict (iteration, keys, item
# reads), int/float/complex/bytes/bool/range (numeric conversions, truth), and the copy
# protocol (copyreg._reconstructor, a __str__ that deep-copies fields), and the array
# protocols of numpy's and torch's allowed callables.
PROTOCOL_METHODS = (
    "__repr__",
    "__str__",
    "__format__",
    "__iter__",
    "__next__",
    "__len__",
    "__length_hint__",
    "__bool__",
    "keys",
    "items",
    "__getitem__",
    "__contains__",
    "__index__",
    "__int__",
    "__float__",
    "__complex__",
    "__bytes__",
    "__trunc__",
    "__copy__",
    "__deepcopy__",
    "__reduce__",
    "__reduce_ex__",
    "__getstate__",
    # comparisons library code makes (a version check, a sort)
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    # numpy and torch callables hand their arguments to these
    "__array__",
    "__array_finalize__",
    "__array_wrap__",
    "__array_function__",
    "__array_ufunc__",
    "__torch_function__",
)
RISKY_BASES = re.compile(
    r"^(threading|_thread|multiprocessing|socket|socketserver|io|_io|subprocess|logging"
    r"|tempfile|zipfile|tarfile|mmap|sqlite3|concurrent|asyncio|queue|ctypes|importlib"
    r"|pickle|_pickle|shelve|http|urllib|ssl|selectors|signal|code|codeop)(\.|$)"
)
# Helpers are followed until none is new (each one is read once). Three calls deep was
# not enough: GenerationConfig.__hash__ -> to_json_string -> to_diff_dict ->
# GenerationConfig() runs the constructor a state-only class must never run.
DEPTH = 1_000


def risky_base(cls: type) -> str | None:
    """The first class in ``cls``'s MRO from a stdlib module that does I/O or threads."""
    for klass in cls.__mro__:
        module = getattr(klass, "__module__", "") or ""
        if RISKY_BASES.match(module):
            return f"{module}.{klass.__qualname__}"
    return None


def reached(cls: type, entry_points: list[tuple[str, Callable]]) -> Iterator[tuple[str, object]]:
    """``(call path, function)`` for every library helper reached from the entry points
    (not the entry points themselves), every chain to its end (``DEPTH`` only bounds it)."""
    seen: set[int] = {id(func) for _, func in entry_points}
    frontier = list(entry_points)
    for _ in range(DEPTH):
        following = []
        for path, func in frontier:
            for callee in _callees(func, cls):
                if id(callee) not in seen:
                    seen.add(id(callee))
                    step = f"{path} -> {callee.__qualname__}"
                    following.append((step, callee))
                    yield step, callee
        frontier = following


def _followed(module: str | None) -> bool:
    """Code of an installed library, whichever: a helper in another package runs all the
    same (transformers' samplers call torch.distributed, sklearn's check_array calls
    narwhals). The standard library is not read: its I/O is what the side-effect patterns
    name at the call (``open(``, ``socket``, ``subprocess``...)."""
    top = _library(module or "")
    return bool(top) and top not in _STDLIB


_STDLIB = frozenset(sys.stdlib_module_names)


def _library(module: str) -> str:
    return module.split(".", 1)[0]


def _callees(func: Callable, cls: type) -> Iterator[Callable]:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return
    names = dict(getattr(func, "__globals__", {}))
    names.update(_local_imports(tree, func))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        target = node.func
        found: object = None
        if isinstance(target, ast.Name):
            found = names.get(target.id)
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            if target.value.id in ("self", "cls"):
                found = _class_attribute(cls, target.attr)
            elif target.value.id in names:
                found = getattr(names[target.value.id], target.attr, None)
        yield from _functions_of(found)


def _class_attribute(cls: type, attr: str) -> object:
    """``self.attr`` as Python resolves it in the class body, private names mangled
    (``self.__init_dir()`` inside class ``C`` is ``C._C__init_dir``)."""
    if attr.startswith("__") and not attr.endswith("__"):
        for klass in cls.__mro__:
            found = vars(klass).get(f"_{klass.__name__.lstrip('_')}{attr}")
            if found is not None:
                return found
        return None
    return inspect.getattr_static(cls, attr, None)


def _functions_of(found: object) -> Iterator[Callable]:
    if isinstance(found, property):
        found = found.fget
    if isinstance(found, type):
        if _followed(found.__module__):
            for method in ("__new__", "__init__", "__post_init__"):
                if method in vars(found):
                    yield from _functions_of(vars(found)[method])
        return
    func = getattr(found, "__func__", found)
    func = inspect.unwrap(func) if inspect.isfunction(func) else func
    if inspect.isfunction(func) and _followed(func.__module__):
        yield func


def _local_imports(tree: ast.AST, func: Callable) -> dict[str, object]:
    """``from x import y`` inside the function body, resolved as the library would."""
    module = inspect.getmodule(func)
    package = (getattr(module, "__package__", None) or "").split(".")
    out: dict[str, object] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = node.module or ""
        if node.level:
            parent = package[: len(package) - node.level + 1]
            base = ".".join(parent + ([base] if base else []))
        try:
            imported = importlib.import_module(base)
        except Exception:
            continue
        for alias in node.names:
            out[alias.asname or alias.name] = getattr(imported, alias.name, None)
    return out
