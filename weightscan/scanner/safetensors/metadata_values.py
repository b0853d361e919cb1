"""Metadata strings that hide a payload: a pickle (raw, base64 or hex) or Python source.

Shared by the safetensors (``__metadata__`` values) and GGUF (string values and string
arrays) validators. No loader runs metadata, but tools that read it do call
an unpickler or ``exec`` on values they stored there, so a value that *is* a
pickle is reported (at least suspicious) and the embedded pickle is analysed like a
file of its own (malicious when it imports something dangerous). Python source is
recognised by parsing it with ``ast`` (a parse, never a compile or run) and looking for
imports and calls of what runs commands.

``suspect`` is the cheap test for bulk strings (a 150k-token vocabulary): literal
searches over the raw bytes; only strings it flags are looked at one by one.
"""

from __future__ import annotations

import ast
import base64
import binascii
import io
import re
import zlib

from weightscan.scanner.context import ScanContext
from weightscan.scanner.encoded.grade import inspect_string
from weightscan.scanner.formats import Format
from weightscan.scanner.pickle.probe import looks_like_pickle
from weightscan.scanner.source import Source

MAX_SOURCE_CHARS = 1024 * 1024  # Python source parsed at most (metadata code is small)
MAX_INFLATED = 16 * 1024 * 1024  # a compressed value is inflated this far at most
_ZLIB_LEVELS = frozenset({b"\x01", b"\x5e", b"\x9c", b"\xda"})
_SHELL = re.compile(
    rb"\b(?:curl|wget)\s+\S+[^\n|]*\|\s*(?:ba|z)?sh\b|^#!\s*/|/bin/(?:ba|z)?sh\b"
    rb"|\b(?:ba|z)?sh\s+-c\s|\b(?:python[23]?|perl|ruby|node)\s+-[ce]\s|powershell\s+-"
    # a command line chaining into a download or a shell, or wiping from the root
    rb"|(?:;|&&|\|\|)\s*(?:curl|wget|nc|ncat|bash|sh|zsh)\s|\brm\s+-(?:rf|fr)\s+/(?:\s|\*|$)"
)
_MIN_ENCODED = 12  # base64/hex shorter than this cannot hold a pickle that imports
_BASE64 = re.compile(rb"[A-Za-z0-9+/_-]+={0,2}")
_HEX = re.compile(rb"(?:[0-9a-fA-F]{2})+")
# Strong signs, anywhere in bulk bytes: a protocol header, a protocol 0/1 import, a
# STACK_GLOBAL after an identifier (never so in UTF-8 text), a run of base64 or hex long
# enough to hold a pickle, or the words code needs to run commands. Each test is a
# substring search (rare bytes first) or a regex that starts with a literal, so a
# 150k-token vocabulary costs a few milliseconds.
_HEADER = re.compile(rb"\x80[\x02-\x05][\x28-\x95]")
_ENCODED_HEADER = re.compile(rb"\xc2\x80[\x02-\x05](?:[\x28-\x7f]|\xc2[\x80-\x95])")
_GLOBAL_LINE = re.compile(rb"\n[A-Za-z_][\w.]*\n")
# with their separators: vocabulary tokens such as "Ġimport" must not match
_CODE_WORDS = (b"import ", b"__import__(", b"eval(", b"exec(")  # invariant: byte patterns
_ALNUM = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_CLASSES = bytes(
    ord("b")
    if bytes([c]) in _ALNUM
    else ord("S")
    if c == 0x93
    else ord("M")
    if c == 0x94
    else ord("C")
    if c == 0xC2
    else ord("e")
    if c == ord("=")
    else 0
    for c in range(256)
)
_RUNS = (b"b" * 32, b"b" * 16 + b"e")  # base64 or hex of 32 characters, padded of 16
# STACK_GLOBAL after a name, raw or UTF-8 encoded, MEMOIZE between
_STACK_GLOBAL = (b"bS", b"bMS", b"bCS", b"bCMCS")


def suspect(raw: bytes) -> bool:
    """Might these bytes (one string or many) hold a payload? (fast, may say yes wrongly)"""
    if b"\x80" in raw and (_HEADER.search(raw) or _ENCODED_HEADER.search(raw)):
        return True
    if any(word in raw for word in _CODE_WORDS) or _GLOBAL_LINE.search(raw):
        return True
    classes = raw.translate(_CLASSES)
    if any(run in classes for run in _RUNS):
        return True
    return b"\x93" in raw and any(sign in classes for sign in _STACK_GLOBAL)


_DANGEROUS_MODULES = frozenset(
    {
        "os",
        "posix",
        "nt",
        "subprocess",
        "socket",
        "sys",
        "pty",
        "shutil",
        "ctypes",
        "builtins",
        "importlib",
        "runpy",
        "pickle",
        "marshal",
        "urllib",
        "requests",
        "http",
        "code",
    }
)
_DANGEROUS_CALLS = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "__import__",
        "system",
        "popen",
        "spawn",
        "execv",
        "execve",
        "run",
        "call",
        "check_call",
        "check_output",
        "Popen",
        "getattr",
        "import_module",
        "loads",
        "load",
        "urlopen",
        "connect",
    }
)


def inspect_value(
    raw: bytes, ctx: ScanContext, *, rule_id: str, where: str, offset: int | None
) -> None:
    """Report ``raw`` (a metadata string) if it is a pickle or Python source."""
    for how, data in _decodings(raw):
        if looks_like_pickle(data):
            ctx.report(
                rule_id,
                f"{where} is a pickle ({how}, {len(data)} bytes); a tool "
                "that unpickles it runs whatever it imports",
                offset=offset,
                evidence={"where": where, "encoding": how, "bytes": len(data)},
            )
            from weightscan.scanner.dispatch import analyze_nested

            analyze_nested(Source(io.BytesIO(data), name=where), ctx, f"<{where}>", Format.PICKLE)
            return
    if len(raw) > MAX_SOURCE_CHARS and suspect(raw):
        ctx.report(
            rule_id,
            f"{where} is {len(raw)} bytes and looks like code; above the "
            f"{MAX_SOURCE_CHARS}-byte limit it was not inspected as Python source",
            offset=offset,
            evidence={"where": where, "bytes": len(raw)},
        )
        return
    shell = _SHELL.search(raw[:MAX_SOURCE_CHARS])
    if shell is not None:
        ctx.report(
            rule_id,
            f"{where} holds a shell command ({shell.group()[:60]!r})",
            offset=offset,
            evidence={"where": where, "excerpt": raw[:120].decode("utf-8", "replace")},
        )
        return
    code = _python_code(raw)
    if code is not None:
        ctx.report(
            rule_id,
            f"{where} is Python source that {code}",
            offset=offset,
            evidence={"where": where, "excerpt": raw[:120].decode("utf-8", "backslashreplace")},
        )
        return
    # base64/hex of an archive or of code (pickles were decoded above)
    inspect_string(raw.strip(), ctx, where=where, offset=offset)


def _decodings(raw: bytes) -> list[tuple[str, bytes]]:
    """The byte strings a reader could turn this value into: as is, base64, hex."""
    found = [("raw", raw)]
    try:
        text = raw.decode("utf-8")
        latin = text.encode("latin-1")  # JSON \u0080-\u00ff escapes of raw bytes
        if latin != raw:
            found.append(("latin-1", latin))
    except (UnicodeDecodeError, UnicodeEncodeError):
        pass
    stripped = raw.strip()
    if len(stripped) >= _MIN_ENCODED:
        found += _encoded(stripped)
    for how, data in list(found):
        if data[:2] == b"\x1f\x8b" or (data[:1] == b"x" and data[1:2] in _ZLIB_LEVELS):
            inflated = _inflate(data)
            if inflated:
                found.append((f"{how}, compressed", inflated))
    return found


def _inflate(data: bytes) -> bytes:
    """A zlib or gzip stream, inflated to at most ``MAX_INFLATED`` bytes."""
    try:
        return zlib.decompressobj(wbits=47).decompress(data, MAX_INFLATED)
    except zlib.error:
        return b""


def _encoded(stripped: bytes) -> list[tuple[str, bytes]]:
    """The bytes a hex or base64 value decodes to (both when it is valid as both)."""
    found: list[tuple[str, bytes]] = []
    if _HEX.fullmatch(stripped):
        found.append(("hex", bytes.fromhex(stripped.decode("ascii"))))
    if _BASE64.fullmatch(stripped):
        padded = stripped + b"=" * (-len(stripped.rstrip(b"=")) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                found.append(("base64", decode(padded)))
                break
            except (binascii.Error, ValueError):
                continue
    return found


def _python_code(raw: bytes) -> str | None:
    """What this Python source does that matters (imports, calls), or None if it is not
    source that reaches commands."""
    if len(raw) > MAX_SOURCE_CHARS or not suspect(raw):
        return None
    try:
        tree = ast.parse(raw.decode("utf-8"))
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for name in names:
                if name.split(".")[0] in _DANGEROUS_MODULES:
                    return f"imports {name!r}"
        elif isinstance(node, ast.Call):
            func = node.func
            called: str | None = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else None
            )
            if called in _DANGEROUS_CALLS:
                return f"calls {called!r}"
    return None
