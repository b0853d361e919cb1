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

_PROCESS_EXACT = frozenset({
    "os.system", "os.popen", "os.startfile", "os.posix_spawn", "os.posix_spawnp",
    "pty.spawn", "platform.popen", "commands.getoutput", "commands.getstatusoutput",
    "posix.system", "nt.system",
})
_PROCESS_PREFIXES = ("subprocess.", "os.exec", "os.spawn", "asyncio.create_subprocess_")
_DYNAMIC = frozenset({"exec", "eval", "compile", "builtins.exec", "builtins.eval",
                      "builtins.compile"})
# invariant: the names below are looked for in parsed code, never called
_ALWAYS_DESERIALISE = frozenset({
    "pickle.load", "pickle.loads", "_pickle.load", "_pickle.loads",  # invariant: names
    "cPickle.load", "cPickle.loads", "pickle.Unpickler",  # invariant: names
    "dill.load", "dill.loads", "cloudpickle.load", "cloudpickle.loads",  # invariant: names
    "marshal.load", "marshal.loads", "joblib.load",  # invariant: names
    "sklearn.externals.joblib.load", "pandas.read_pickle", "yaml.unsafe_load",
    "yaml.unsafe_load_all", "shelve.open", "jsonpickle.decode",
})
_SAFE_YAML_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})
_DOWNLOAD_PREFIXES = ("urllib.request.", "urllib2.", "requests.", "httpx.", "http.client.",
                      "aiohttp.", "wget.", "urllib3.", "pycurl.")
_DOWNLOAD_EXACT = frozenset({"urllib.urlopen", "urllib.urlretrieve", "socket.create_connection",
                             "huggingface_hub.hf_hub_download"})


@dataclass(frozen=True)
class Hit:
    """One call worth reporting: its rule, the resolved name and where it is."""

    rule_id: str
    name: str
    line: int
    code: str


def find_hits(tree: ast.Module, source: str, check: Callable[[], None]) -> list[Hit]:
    """Every dangerous call in ``tree``; a download-then-execute pair adds one more hit."""
    aliases = _import_aliases(tree)
    hits: list[Hit] = []
    downloads: list[Hit] = []
    for i, node in enumerate(ast.walk(tree)):
        if i % 4096 == 0:
            check()
        if not isinstance(node, ast.Call):
            continue
        name = resolve(node.func, aliases)
        if name is None:
            continue
        rule = _classify(name, node, aliases)
        if rule is not None:
            hits.append(_hit(rule, name, node, source))
        elif name.startswith(_DOWNLOAD_PREFIXES) or name in _DOWNLOAD_EXACT:
            downloads.append(_hit("download", name, node, source))
    if downloads and hits:
        first = downloads[0]
        runs = ", ".join(sorted({h.name for h in hits}))
        hits.insert(0, Hit("code.download-exec", f"{first.name} then {runs}", first.line,
                           first.code))
    return hits


def _classify(name: str, call: ast.Call, aliases: dict[str, str]) -> str | None:
    if name in _PROCESS_EXACT or name.startswith(_PROCESS_PREFIXES):
        return "code.process"
    if name in _DYNAMIC:
        literal = call.args and isinstance(call.args[0], ast.Constant)
        return None if literal and not call.keywords else "code.dynamic-exec"
    if name in _ALWAYS_DESERIALISE:
        return "code.deserialization"
    if name == "torch.load" and not _keyword_is(call, "weights_only", True):
        return "code.deserialization"
    if name == "numpy.load" and not _keyword_is_not_true(call, "allow_pickle", position=1):
        return "code.deserialization"
    if name in ("yaml.load", "yaml.load_all") and not _safe_yaml(call, aliases):
        return "code.deserialization"
    return None


def _keyword_is(call: ast.Call, key: str, value: object) -> bool:
    return any(k.arg == key and isinstance(k.value, ast.Constant) and k.value.value is value
               for k in call.keywords)


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
    aliases.update(_NUMPY_ALIASES)
    return aliases


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
    if isinstance(node, ast.Call):
        func = resolve(node.func, aliases, _depth + 1)
        if func == "getattr" and len(node.args) >= 2:
            base = resolve(node.args[0], aliases, _depth + 1)
            attr = _literal_str(node.args[1])
            return None if base is None or attr is None else f"{base}.{attr}"
        if func in ("__import__", "importlib.import_module", "builtins.__import__") and node.args:
            return _literal_str(node.args[0])
    return None


def _literal_str(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None

