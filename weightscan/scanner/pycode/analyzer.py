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
from collections.abc import Callable
from pathlib import Path

from weightscan.scanner import jsontext
from weightscan.scanner.containers import signatures as sig
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.pickle.probe import looks_like_pickle
from weightscan.scanner.pycode import automap, loader_configs
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
# keys that name code to import ("auto\u005fmap" too, as json decodes it); "type" is
# sentence-transformers' modules.json, too common to make a large file suspicious
_LARGE_CODE_KEYS = jsontext.key_pattern(
    "auto_map", "auto_mapping", "custom_pipelines", "_class_name"
)
_CODE_KEYS = jsontext.key_pattern(
    "auto_map", "auto_mapping", "custom_pipelines", "_class_name", "type"
)
_CODE_CONFIGS = frozenset({"modules.json", "model_index.json"})


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
    """Flag config entries that import code from another repository or from outside
    the scanned folder (``auto_map``, ``custom_pipelines``, ``modules.json``...)."""
    if not jsontext.starts_container(source, ctx) or not jsontext.contains(source, ctx, _CODE_KEYS):
        return
    if source.size > automap.MAX_CONFIG_BYTES:
        if jsontext.contains(source, ctx, _LARGE_CODE_KEYS) or _base_name(source) in _CODE_CONFIGS:
            ctx.report(
                "limits.resource",
                f"a JSON config of {source.size} bytes names code to import; above the "
                f"{automap.MAX_CONFIG_BYTES}-byte limit it was not parsed",
                evidence={"resource": "JSON config", "limit": automap.MAX_CONFIG_BYTES},
            )
        return
    try:
        config = jsontext.load_value(source, ctx)
    except jsontext.TooDeep:
        jsontext.report_too_deep(ctx, "a JSON config names code to import")
        return
    found = loader_configs.references(config, _base_name(source), _sibling_check(ctx))
    if found:
        ctx.note("code_references", {r.where: r.reference for r in found[:50]})
    for ref in found:
        if ref.remote is not None:
            ctx.report(
                "code.auto-map.remote",
                f"{ref.where} imports {ref.reference} from {ref.remote}",
                evidence={"key": ref.where, "reference": ref.reference},
            )
        elif not ref.local_is_code_file:
            ctx.report(
                "code.config-import",
                f"{ref.where} makes the loader import {ref.reference}",
                evidence={"key": ref.where, "reference": ref.reference},
            )


def _base_name(source: Source) -> str:
    """The file's own name: an archive member's name is its path in the archive."""
    return source.name.replace("\\", "/").rsplit("/", 1)[-1]


def _sibling_check(ctx: ScanContext) -> Callable[[str], bool]:
    folder = Path(ctx.origin).parent if ctx.origin and ctx.member is None else None
    return lambda name: folder is not None and (folder / name).is_file()
