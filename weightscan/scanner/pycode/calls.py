"""Which calls in a Python module run processes, dynamic code or deserialisers.

Works on the ``ast`` tree only. Names are resolved through the module's imports
(``import os as o``, ``from subprocess import run``), ``getattr(mod, "name")``,
``__import__`` and ``importlib.import_module`` of a literal name, so the usual spellings of
the same call are one name here.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

_PROCESS_EXACT = frozenset(
    {
        "os.system",
        "os.popen",
        "os.startfile",
        "os.posix_spawn",
        "os.posix_spawnp",
        "pty.spawn",
        "platform.popen",
        "commands.getoutput",
        "commands.getstatusoutput",
        "posix.system",
        "nt.system",
        "_posixsubprocess.fork_exec",
    }
)
_PROCESS_PREFIXES = (
    "subprocess.",
    "os.exec",
    "os.spawn",
    "asyncio.create_subprocess_",
    "posix.exec",
    "posix.spawn",
    "posix.posix_spawn",
    "nt.spawn",
)
_DYNAMIC = frozenset(
    {"exec", "eval", "compile", "builtins.exec", "builtins.eval", "builtins.compile"}
)
# Run code from a file, a module name, a string or a native library, whatever the argument.
_RUNS_CODE = frozenset(
    {
        "ctypes.CDLL",
        "ctypes.cdll.LoadLibrary",
        "ctypes.PyDLL",
        "ctypes.pydll.LoadLibrary",
        "ctypes.WinDLL",
        "ctypes.windll.LoadLibrary",
        "ctypes.LibraryLoader",
        "runpy.run_path",
        "runpy.run_module",
        "code.interact",
        "code.InteractiveInterpreter",
        "code.InteractiveConsole",
        "code.compile_command",
        "imp.load_source",
        "imp.load_module",
        "importlib.machinery.SourceFileLoader",
    }
)
# Modules whose members run processes or code: a member chosen at run time
# (getattr(os, name), sys.modules[name], vars(builtins)[name]) hides which one.
_SENSITIVE_MODULES = frozenset(
    {
        "os",
        "posix",
        "nt",
        "subprocess",
        "builtins",
        "__builtins__",
        "sys",
        "importlib",
        "pty",
        "ctypes",
        "runpy",
        "code",
        "pickle",
        "marshal",
        "_posixsubprocess",
        "asyncio",
    }
)
# Calls that hand back a module's namespace (or the interpreter's module table) as a dict.
_NAMESPACES = frozenset({"vars", "globals", "locals", "builtins.vars", "builtins.globals"})
_IMPORTERS = frozenset(
    {"__import__", "importlib.import_module", "builtins.__import__", "importlib.__import__"}
)
_MAX_NESTED_SOURCE = 3
# invariant: the names below are looked for in parsed code, never called
_ALWAYS_DESERIALISE = frozenset(
    {
        "pickle.load",  # invariant: a name, not a call
        "pickle.loads",  # invariant: a name, not a call
        "_pickle.load",  # invariant: a name, not a call
        "_pickle.loads",  # invariant: names
        "cPickle.load",  # invariant: a name, not a call
        "cPickle.loads",  # invariant: a name, not a call
        "pickle.Unpickler",  # invariant: names
        "dill.load",  # invariant: a name, not a call
        "dill.loads",  # invariant: a name, not a call
        "cloudpickle.load",  # invariant: a name, not a call
        "cloudpickle.loads",  # invariant: names
        "marshal.load",
        "marshal.loads",
        "joblib.load",  # invariant: names
        "sklearn.externals.joblib.load",
        "pandas.read_pickle",
        "yaml.unsafe_load",
        "yaml.unsafe_load_all",
        "shelve.open",
        "jsonpickle.decode",
    }
)
_SAFE_YAML_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})
_DOWNLOAD_PREFIXES = (
    "urllib.request.",
    "urllib2.",
    "requests.",
    "httpx.",
    "http.client.",
    "aiohttp.",
    "wget.",
    "urllib3.",
    "pycurl.",
)
_DOWNLOAD_EXACT = frozenset(
    {
        "urllib.urlopen",
        "urllib.urlretrieve",
        "socket.create_connection",
        "huggingface_hub.hf_hub_download",
    }
)


@dataclass(frozen=True)
class Hit:
    """One call worth reporting: its rule, the resolved name and where it is."""

    rule_id: str
    name: str
    line: int
    code: str


def find_hits(
    tree: ast.Module, source: str, check: Callable[[], None], _depth: int = 0
) -> list[Hit]:
    """Every dangerous call in ``tree``, and every dangerous callable merely named (an alias
    ``run = os.system`` is called later under a name this reading does not follow); a
    download-then-execute pair adds one more hit."""
    aliases = _import_aliases(tree)
    bound = _locally_bound(tree)
    hits: list[Hit] = []
    downloads: list[Hit] = []
    called: set[int] = set()
    for i, node in enumerate(ast.walk(tree)):
        if i % 4096 == 0:
            check()
        if isinstance(node, ast.Call):
            called.add(id(node.func))
            hits += _dynamic_lookup(node, aliases, source)
            name = resolve(node.func, aliases)
            if name is None:
                continue
            rule = _classify(name, node, aliases)
            if rule is not None:
                hits.append(_hit(rule, name, node, source))
            elif name.startswith(_DOWNLOAD_PREFIXES) or name in _DOWNLOAD_EXACT:
                downloads.append(_hit("download", name, node, source))
            elif name in _DYNAMIC and _depth < _MAX_NESTED_SOURCE:
                hits += _literal_source_hits(node, source, check, _depth)
        elif (
            isinstance(node, ast.Attribute | ast.Name | ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and id(node) not in called
        ):
            hits += _reference(node, aliases, bound, source)
    if downloads and hits:
        first = downloads[0]
        runs = ", ".join(sorted({h.name for h in hits}))
        hits.insert(
            0, Hit("code.download-exec", f"{first.name} then {runs}", first.line, first.code)
        )
    return hits


def _reference(node: ast.expr, aliases: dict[str, str], bound: set[str], source: str) -> list[Hit]:
    """A dangerous callable named without being called there: ``run = os.system``,
    ``{"r": os.system}``, a decorator, a class attribute."""
    if isinstance(node, ast.Name) and (node.id in bound or node.id not in aliases):
        return []  # a bare name is only followed through an import
    name = resolve(node, aliases)
    rule = None if name is None else _rule_by_name(name)
    if rule is None or name is None or not _callable_name(name):
        return []
    code = ast.get_source_segment(source, node) or name
    return [Hit(rule, name, getattr(node, "lineno", 0), code[:300])]


def _callable_name(name: str) -> bool:
    """``subprocess.run`` or ``subprocess.Popen``, not ``subprocess.PIPE`` or
    ``subprocess.CalledProcessError`` (named in ``except`` clauses by harmless code)."""
    last = name.rsplit(".", 1)[-1]
    return (
        last == "Popen"
        or not last[:1].isupper()
        or name in _RUNS_CODE
        or name in _ALWAYS_DESERIALISE
    )


def _rule_by_name(name: str) -> str | None:
    if name in _PROCESS_EXACT or name.startswith(_PROCESS_PREFIXES):
        return "code.process"
    if name in _DYNAMIC or name in _RUNS_CODE:
        return "code.dynamic-exec"
    if name in _ALWAYS_DESERIALISE:
        return "code.deserialization"
    return None


def _dynamic_lookup(call: ast.Call, aliases: dict[str, str], source: str) -> list[Hit]:
    """A member of a sensitive module, or of a module imported by a computed name, chosen
    or called at run time: ``getattr(os, name)``, a decoded import name then called.
    (Importing a computed name and keeping the module is ordinary plugin code.)"""
    target: str | None = None
    func = call.func
    if isinstance(func, ast.Attribute) and _computed_import(func.value, aliases):
        target = f"<module imported by a computed name>.{func.attr}"
    elif resolve(func, aliases) == "getattr" and len(call.args) >= 2:
        base = resolve(call.args[0], aliases)
        if _computed_import(call.args[0], aliases):
            target = "getattr(<module imported by a computed name>, ...)"
        elif (
            _literal_str(call.args[1]) is None
            and base is not None
            and base.split(".", 1)[0] in _SENSITIVE_MODULES
        ):
            target = f"getattr({base}, <computed name>)"
    if target is None:
        return []
    return [_hit("code.dynamic-exec", target, call, source)]


def _computed_import(node: ast.expr, aliases: dict[str, str]) -> bool:
    return (
        isinstance(node, ast.Call)
        and bool(node.args)
        and resolve(node.func, aliases) in _IMPORTERS
        and _literal_str(node.args[0]) is None
    )


def _literal_source_hits(
    call: ast.Call, source: str, check: Callable[[], None], depth: int
) -> list[Hit]:
    """exec/eval of a literal: the literal is code too; report what it runs."""
    text = _literal_str(call.args[0]) if call.args else None
    if text is None:
        return []
    try:
        inner = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    code = _hit("code.dynamic-exec", "exec", call, source).code
    return [
        Hit(h.rule_id, h.name, call.lineno, code) for h in find_hits(inner, text, check, depth + 1)
    ]


def _locally_bound(tree: ast.Module) -> set[str]:
    """Names the module assigns or takes as parameters (a variable called ``eval``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
    return names


def _classify(name: str, call: ast.Call, aliases: dict[str, str]) -> str | None:
    if name in _DYNAMIC:
        literal = call.args and isinstance(call.args[0], ast.Constant)
        return None if literal and not call.keywords else "code.dynamic-exec"
    rule = _rule_by_name(name)
    if rule is not None:
        return rule
    if name == "torch.load" and not _keyword_is(call, "weights_only", True):
        return "code.deserialization"
    if name == "numpy.load" and not _keyword_is_not_true(call, "allow_pickle", position=1):
        return "code.deserialization"
    if name in ("yaml.load", "yaml.load_all") and not _safe_yaml(call, aliases):
        return "code.deserialization"
    return None


def _keyword_is(call: ast.Call, key: str, value: object) -> bool:
    return any(
        k.arg == key and isinstance(k.value, ast.Constant) and k.value.value is value
        for k in call.keywords
    )


def _keyword_is_not_true(call: ast.Call, key: str, *, position: int) -> bool:
    """Whether ``key`` is absent or a literal false (numpy's default is False)."""
    if any(k.arg is None for k in call.keywords):  # **kwargs: could say anything
        return False
    given = [k.value for k in call.keywords if k.arg == key]
    if len(call.args) > position:
        given.append(call.args[position])
    return all(isinstance(v, ast.Constant) and not v.value for v in given)


def _safe_yaml(call: ast.Call, aliases: dict[str, str]) -> bool:
    loaders = [k.value for k in call.keywords if k.arg == "Loader"]
    if len(call.args) > 1:
        loaders.append(call.args[1])
    if len(loaders) != 1:
        return False
    name = resolve(loaders[0], aliases) or ""
    return name.rsplit(".", 1)[-1] in _SAFE_YAML_LOADERS


def _hit(rule_id: str, name: str, node: ast.Call, source: str) -> Hit:
    code = ast.get_source_segment(source, node) or name
    return Hit(rule_id, name, node.lineno, code[:300])


def _import_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted name it stands for, from every import in the module."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    top = a.name.split(".", 1)[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                if a.name != "*":
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
                elif node.module.split(".", 1)[0] in _SENSITIVE_MODULES:
                    for member in _STAR_MEMBERS:  # from os import *: system is os.system
                        aliases.setdefault(member, f"{node.module}.{member}")
    aliases.update(_NUMPY_ALIASES)
    return aliases


# Bare names a star import from a sensitive module brings in that matter here.
_STAR_MEMBERS = (
    "system",
    "popen",
    "Popen",
    "run",
    "call",
    "check_call",
    "check_output",
    "getoutput",
    "getstatusoutput",
    "execv",
    "execve",
    "execl",
    "execlp",
    "execvp",
    "execvpe",
    "spawnv",
    "spawnl",
    "posix_spawn",
    "posix_spawnp",
    "fork_exec",
    "load",
    "loads",
    "spawn",
    "CDLL",
    "PyDLL",
    "run_path",
    "run_module",
    "import_module",
)

# Conventional short names, resolved even when the import is indirect.
_NUMPY_ALIASES = {"np": "numpy"}


def resolve(node: ast.expr, aliases: dict[str, str], _depth: int = 0) -> str | None:
    """The dotted name an expression stands for, or None if it is not a plain name."""
    if _depth > 50:
        return None
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = resolve(node.value, aliases, _depth + 1)
        return None if base is None else f"{base}.{node.attr}"
    if isinstance(node, ast.Subscript):
        return _resolve_subscript(node, aliases, _depth)
    if isinstance(node, ast.NamedExpr):
        return resolve(node.value, aliases, _depth + 1)
    if isinstance(node, ast.Call):
        func = resolve(node.func, aliases, _depth + 1)
        if func == "getattr" and len(node.args) >= 2:
            base = resolve(node.args[0], aliases, _depth + 1)
            attr = _literal_str(node.args[1])
            return None if base is None or attr is None else f"{base}.{attr}"
        if func in ("__import__", "importlib.import_module", "builtins.__import__") and node.args:
            return _literal_str(node.args[0])
    return None


def _resolve_subscript(node: ast.Subscript, aliases: dict[str, str], depth: int) -> str | None:
    """``sys.modules["os"]``, ``os.__dict__["system"]``, ``vars(builtins)["exec"]``,
    ``globals()["__builtins__"]["exec"]``: a namespace read by a literal key."""
    key = _literal_str(node.slice)
    if key is None:
        return None
    base = node.value
    if isinstance(base, ast.Attribute) and base.attr == "__dict__":
        owner = resolve(base.value, aliases, depth + 1)
        return None if owner is None else f"{owner}.{key}"
    if isinstance(base, ast.Call):
        func = resolve(base.func, aliases, depth + 1)
        if func in _NAMESPACES and base.args:
            owner = resolve(base.args[0], aliases, depth + 1)
            return None if owner is None else f"{owner}.{key}"
        if func in _NAMESPACES:
            return "builtins" if key == "__builtins__" else aliases.get(key, key)
        return None
    owner = resolve(base, aliases, depth + 1)
    if owner == "sys.modules":
        return key
    if owner in ("__builtins__", "builtins"):
        return f"builtins.{key}"
    return None


def _literal_str(node: ast.expr, depth: int = 0) -> str | None:
    """A string the code spells out: a literal, or literals joined by ``+`` or an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if depth > 50:
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_str(node.left, depth + 1), _literal_str(node.right, depth + 1)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.JoinedStr):
        parts = [_literal_str(v, depth + 1) for v in node.values]
        return None if any(p is None for p in parts) else "".join(p or "" for p in parts)
    return None
