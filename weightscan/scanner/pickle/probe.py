"""Tell a pickle from other content by its first bytes, with the real opcode decoder.

Protocols 0 and 1 have no magic (``cos\\nsystem\\n...`` or ``(dp0\\n...``), so the
sniffer cannot rely on a PROTO byte. The head is run through the engine in dry mode:
every opcode must be valid, its arguments sane (imports must be dotted identifiers,
strings decodable, lengths within the window, no stack underflow), and the prefix must
either complete a pickle or fill the window with enough structure. Ordinary text
(JSON, YAML, Markdown, Python, CSV) breaks one of these rules within a few bytes.
"""

from __future__ import annotations

import io
import re
from typing import Any

from weightscan.scanner.context import ScanContext
from weightscan.scanner.limits import ScanLimits
from weightscan.scanner.pickle.engine import _TRUNC_TYPES, Engine
from weightscan.scanner.pickle.policy import Decision
from weightscan.scanner.pickle.reporting import DryRun
from weightscan.scanner.source import Source, _RangeReader

PROBE_WINDOW = 64 * 1024
_PROBE_LIMITS = ScanLimits(
    max_seconds=10.0, max_pickle_opcodes=200_000, max_pickle_memo=100_000, max_pickle_stack=100_000
)
_MIN_OPCODES_UNFINISHED = 8  # a window that ends mid-pickle needs this much structure
# Opcodes a pickle can start with: they push, or mark, on an empty stack and memo.
_EMPTY_STACK_OK = frozenset(b"()N]}FGIJKLMSTUVXBCc\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x96\x82\x83\x84")


def looks_like_pickle(head: bytes) -> bool:
    from weightscan.scanner.pickle.opcodes import VALID

    if len(head) < 2 or head[0] not in VALID:
        return False
    window = bytes(head[:PROBE_WINDOW])
    if window[0] == 0x80:
        # PROTO 0-5 followed by an opcode that works on an empty stack: a pickle, however
        # broken it turns out to be (the analyzer must see it to report the break). Tensor
        # bytes such as 80 02 93 52 (STACK_GLOBAL on nothing) break every unpickler at once.
        first = 11 if window[2:3] == b"\x95" else 2  # past a FRAME header
        return window[1] <= 5 and len(window) > first and window[first] in _EMPTY_STACK_OK
    ctx = ScanContext.for_file(_PROBE_LIMITS)
    engine = Engine(Source(io.BytesIO(window), name="probe"), ctx, reporter=DryRun())
    try:
        engine.run_stream()
    except Exception:  # any surprise means "not recognisably a pickle"
        return False
    summary = engine.summary
    problem = engine.problem
    if engine.completed >= 1 and (
        problem is None or problem == "pickle.data-after-stop" or engine.completed >= 2
    ):
        return summary.opcodes >= 3
    if problem == "pickle.stream.truncated":
        return (
            bool(summary.imports) and summary.opcodes >= 2
        ) or summary.opcodes >= _MIN_OPCODES_UNFINISHED
    return False


# -- the whole stream from offset 0 ---------------------------------------------------------

_LINE_OPS = frozenset(b"SVILF")  # a first opcode whose argument is one text line
_LONG_LINE = 1024  # first lines longer than this are stood in for by a short placeholder
_PLACEHOLDER = {
    ord("S"): b"S'a'\n",
    ord("V"): b"Va\n",
    ord("I"): b"I0\n",
    ord("L"): b"L0\n",
    ord("F"): b"F0.0\n",
}
_UNDECIDED = ("pickle.budget.", "limits.")  # the probe ran out of budget, not of pickle
_SEARCH_CHUNK = 1 << 20
_LONG_NAME = "pickle.import.long-name"  # an import whose names are longer than kept
_NAME_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")


def reaches_import(source: Source, *, max_line: int | None = None) -> bool | None:
    """Whether unpickling ``source`` from its first byte would import something.

    This is what the standard unpickler, ``torch.load`` (past its zip and tar checks) and
    ``joblib.load`` (past its compressor prefixes) do with any file, so it is decided on
    the whole stream, never on a window: a first opcode may carry an argument of any
    length (a protocol-0 line, a BINBYTES blob) before the opcodes that import. A probe
    that runs out of budget before deciding counts as a pickle (fail closed). None when
    the first opcode is a text line longer than ``max_line`` (not followed to its end).
    """
    from weightscan.scanner.pickle.opcodes import VALID

    first = source.head(1)
    if not first or first[0] not in VALID or first in (b"P", b"Q"):
        return False  # PERSID/BINPERSID: no loader reading from offset 0 resolves them
    try:
        view = _without_long_first_line(source, max_line)
    except _LineTooLong:
        return None
    if view is None:
        return False
    # Most non-pickles break within a few bytes: decide on a small window when the break
    # is inside it, and read the stream only when the window ends first.
    quick = view.head(_QUICK_WINDOW)
    engine = _run_probe(Source(io.BytesIO(quick), name=source.name))
    if engine is not None and (
        len(quick) == view.size or engine.problem != "pickle.stream.truncated"
    ):
        return _decided(engine)
    engine = _run_probe(view)
    return True if engine is None else _decided(engine)


_QUICK_WINDOW = 4096


def _run_probe(view: Source) -> Engine | None:
    engine = _ZeroProbe(view, ScanContext.for_file(_PROBE_LIMITS), reporter=DryRun())
    try:
        engine.run_stream()
    except Exception:  # a limit (time) or a surprise: undecided
        return None
    return engine


def _decided(engine: Engine) -> bool:
    problem = engine.problem or ""
    # (EXT1/2/4 resolve through copyreg's extension registry, empty in a fresh process:
    # an unpickler reading from offset 0 stops there, like at a persistent id)
    return _imports_something(engine) or problem == _LONG_NAME or problem.startswith(_UNDECIDED)


class _LineTooLong(Exception):
    """The first text line goes on past the caller's bound."""


def _imports_something(engine: Engine) -> bool:
    """An import that is more than two words on two lines ("cat\\ndog\\n" is a GLOBAL of
    module "at"): one the policy knows, one that is called, or a pickle that completes."""
    sites = engine.summary.imports.values()
    return bool(sites) and (
        engine.completed > 0
        or any(
            s.called or s.build_target or s.classification.decision is not Decision.UNKNOWN
            for s in sites
        )
    )


def _without_long_first_line(source: Source, max_line: int | None) -> Source | None:
    """``source``, or, when its first opcode is a long text line, the same stream with a
    short line of the same kind in its place (the engine keeps only a prefix of long
    lines, and would misjudge a long quoted STRING). None when the line never ends."""
    op = source.head(1)[0]
    if op not in _LINE_OPS:
        return source
    end = _find_newline(source, 1, max_line)
    if end is None:
        return None
    if end <= _LONG_LINE:
        return source
    if op == ord("S"):
        line = source.read_at(1, 1) + source.read_at(end - 2, 2).rstrip(b"\r")[-1:]
        if len(line) < 2 or line[0] != line[1] or line[:1] not in (b"'", b'"'):
            return None  # not quoted: every unpickler stops here
    rest = source.slice(end + 1, source.size)
    return Source(io.BufferedReader(_Spliced(_PLACEHOLDER[op], rest)), name=source.name)


def _find_newline(source: Source, start: int, max_line: int | None) -> int | None:
    pos, chunk_size = start, _QUICK_WINDOW  # small reads first: most lines are short
    while pos < source.size:
        if max_line is not None and pos - start > max_line:
            raise _LineTooLong
        chunk = source.read_at(pos, chunk_size)
        i = chunk.find(b"\n")
        if i >= 0:
            return pos + i
        pos += len(chunk)
        chunk_size = min(chunk_size * 4, _SEARCH_CHUNK)
    return None


class _ZeroProbe(Engine):
    """The probe engine, for a pickle read from offset 0: no loader that reads there
    resolves persistent ids (torch's legacy format uses them only in its third pickle)."""

    def _persistent(self, pid: Any) -> Any:
        raise self.fail("pickle.persistent-id", "persistent id", 0, 0)

    def _import(
        self, module: Any, name: Any, proto: int, offset: int, index: int, stacked: bool = False
    ) -> Any:
        # The engine keeps a prefix of long names, and the strict probe refuses a name it
        # cannot see whole; a loader imports it all the same (dotted names walk attributes).
        long_name = isinstance(module, _TRUNC_TYPES) or isinstance(name, _TRUNC_TYPES)
        if long_name and _NAME_PREFIX.match(str(module)) and _NAME_PREFIX.match(str(name)):
            raise self.fail(_LONG_NAME, "import of a long name", offset, index)
        return super()._import(module, name, proto, offset, index, stacked)


class _Spliced(_RangeReader):
    """``head`` followed by the bytes of ``rest``, as one seekable file."""

    def __init__(self, head: bytes, rest: Source) -> None:
        super().__init__(io.BytesIO(head), 0, len(head) + rest.size)
        self._head, self._rest = head, rest

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self._size - self._pos)
        if n <= 0:
            return 0
        h = len(self._head)
        data = self._head[self._pos : self._pos + n] if self._pos < h else b""
        if len(data) < n:
            data += self._rest.read_at(self._pos + len(data) - h, n - len(data))
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)
