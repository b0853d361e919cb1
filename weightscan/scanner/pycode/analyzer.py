"""Analyse a ``*.py`` file of a model repository: report it as code, flag what it runs.

The file is parsed with ``ast`` and never imported. Every such file is at least
suspicious (``code.python``): importing it runs its top level, and no static reading
proves a program harmless. Process, dynamic-code, deserialisation and
download-then-execute calls make it malicious. Inside an archive a ``.py`` member is not
something a loader imports (TorchScript's ``code/`` is not Python that runs), so it is
analysed as text there.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

from weightscan.scanner import jsontext
from weightscan.scanner.containers import signatures as sig
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.pickle.probe import looks_like_pickle
from weightscan.scanner.pycode import automap
from weightscan.scanner.pycode.calls import find_hits
from weightscan.scanner.sniff import HEAD_BYTES
from weightscan.scanner.source import Source

# CPython's parser needs 1-3 KB of memory per node (a 400 KB file of "f()" lines peaks at
# 300 MB), so the source is bounded by size and by a cheap count of the bytes that start
# or join nodes. Real modeling files are well under both (100-300 KB, < 30,000 such bytes);
# beyond them the file is reported as not parsed, never as clean.
MAX_SOURCE_BYTES = 1024 * 1024
MAX_NODE_BYTES = 60_000
_NODE_BYTES = tuple(bytes([c]) for c in b",([{=.+-*/%&|^<>~:;@\n")
_MAX_HITS = 100
_MAX_IMPORTS = 50
_AUTO_MAP_KEY = jsontext.key_pattern("auto_map")  # "auto\u005fmap" too, as json decodes it


def analyze_python(source: Source, ctx: ScanContext) -> None:
    if ctx.member is not None:
        analyze(source, ctx, Format.TEXT)
        return
    head = source.head(HEAD_BYTES)
    if looks_like_pickle(head) or sig.looks_like_opcode_stream(head, source.size):
        analyze(source, ctx, Format.PICKLE)  # valid text can be a protocol-0 pickle too
        ctx.set_format(Format.PYTHON.value)
    loaders = automap.loaders_of(Path(ctx.origin)) if ctx.origin else []
    if loaders:
        ctx.note("auto_map", loaders)
    how = (
        f"imported by auto_map ({'; '.join(loaders)})"
        if loaders
        else "a loader imports it with trust_remote_code=True"
    )
    ctx.report(
        "code.python",
        f"Python source: {how}; its top level runs on import",
        evidence={"auto_map": loaders} if loaders else None,
    )
    tree, text = _parse(source, ctx)
    if tree is None:
        return
    ctx.note("imports", _top_imports(tree))
    for hit in find_hits(tree, text, ctx.check_time)[:_MAX_HITS]:
        ctx.report(
            hit.rule_id,
            f"line {hit.line}: calls {hit.name}",
            evidence={"line": hit.line, "call": hit.name, "code": hit.code},
        )


def _parse(source: Source, ctx: ScanContext) -> tuple[ast.Module | None, str]:
    if source.size > MAX_SOURCE_BYTES:
        ctx.report(
            "code.unparsed",
            f"not parsed: larger than {MAX_SOURCE_BYTES} bytes",
            evidence={"size": source.size, "limit": MAX_SOURCE_BYTES},
        )
        return None, ""
    raw = source.head(source.size)
    ctx.check_time()
    dense = sum(raw.count(b) for b in _NODE_BYTES)
    if dense > MAX_NODE_BYTES:
        ctx.report(
            "code.unparsed",
            f"not parsed: about {dense} syntax nodes, more than the "
            f"{MAX_NODE_BYTES} parsed within the memory budget",
            evidence={"nodes": dense, "limit": MAX_NODE_BYTES},
        )
        return None, ""
    try:
        with warnings.catch_warnings():  # invalid escapes etc. are the file's business
            warnings.simplefilter("ignore")
            tree = ast.parse(raw, filename=source.name or "<repository code>")
        text = raw.decode("utf-8", errors="replace")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        ctx.report("code.unparsed", f"not parsed: {type(exc).__name__}: {exc}"[:300])
        return None, ""
    return tree, text


def _top_imports(tree: ast.Module) -> list[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".", 1)[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".", 1)[0])
    return sorted(names)[:_MAX_IMPORTS]


def analyze_config_auto_map(source: Source, ctx: ScanContext) -> None:
    """Flag auto_map entries of a JSON config that import code from another repository."""
    if not jsontext.starts_object(source, ctx) or not jsontext.contains(source, ctx, _AUTO_MAP_KEY):
        return
    if source.size > automap.MAX_CONFIG_BYTES:
        ctx.report(
            "limits.resource",
            f"a JSON config of {source.size} bytes names auto_map; above the "
            f"{automap.MAX_CONFIG_BYTES}-byte limit it was not parsed",
            evidence={"resource": "JSON config", "limit": automap.MAX_CONFIG_BYTES},
        )
        return
    config = jsontext.load_object(source, ctx)
    found = automap.entries(config)
    if found:
        ctx.note("auto_map", {e.key: e.reference for e in found})
    for entry in found:
        if entry.repository is not None:
            ctx.report(
                "code.auto-map.remote",
                f"auto_map {entry.key} imports {entry.module} from the repository "
                f"{entry.repository}",
                evidence={"key": entry.key, "reference": entry.reference},
            )
