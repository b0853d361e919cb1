"""The streaming pickle engine: a symbolic pickle VM that never builds real objects.

It reads opcodes of protocols 0-5 from a chunked reader, keeps a symbolic stack and memo
(see ``values``), and records every import (however its name was assembled) and every
call of an imported callable. Memory is O(stack depth + memo), never O(opcodes): the
opcode list is never collected. Structural problems become findings; the engine stops
at the first one, after everything before it has been recorded (a loader also runs
everything before the break).

Performance: the loop dispatches on the opcode byte with the most frequent opcodes
first, reads arguments from a ``bytes`` chunk with ``int.from_bytes``/``struct`` and
allocates nothing for MEMOIZE/PUT/GET/MARK. Runs of short strings (the bulk of dense
pickles) are sliced from a latin-1 view of the chunk and checked once per run to be
ASCII, where latin-1 and UTF-8 agree; fixed-width runs are checked a column at a time.
Anything else (non-ASCII text, a memo changing mode, a chunk edge) takes the exact path.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from weightscan.scanner.context import ScanContext
from weightscan.scanner.model import Severity
from weightscan.scanner.pickle import policy
from weightscan.scanner.pickle.memo import MISSING, Memo
from weightscan.scanner.pickle.opcodes import NAMES, VALID
from weightscan.scanner.pickle.rare_opcodes import RARE_OPCODES, Machine
from weightscan.scanner.pickle.reader import LOOKAHEAD, Reader
from weightscan.scanner.pickle.reporting import Reporter, kind_of
from weightscan.scanner.pickle.string_runs import string_run
from weightscan.scanner.pickle.summary import ImportSite, PickleSummary
from weightscan.scanner.pickle.text_args import (
    NotQuoted,
    QuotedString,
    RawUnicode,
    literal_int,
    long_power_of_two_literal,
)
from weightscan.scanner.pickle.values import (
    CONTAINER_KEEP,
    EVICTED,
    TUPLE_KEEP,
    Call,
    Container,
    Global,
    Opaque,
    Truncated,
    TruncatedBytes,
    truncated_bytes,
    truncated_str,
)
from weightscan.scanner.source import Source

_CHECK_EVERY = 4096  # opcodes between time/budget checks...
_CHECK_BYTES = 16 * 1024  # ...made at most every this many bytes of input
_MAX_SITES = 10_000  # distinct imports tracked per file...
_MAX_SITES_PAST_BUDGET = 1_000  # ...and non-allowed ones recorded past that
_MAX_REGIONS = 100_000  # joblib array byte ranges remembered for the plain-unpickler view
_MAX_INT_LINE = 4302  # sign and 4300 digits: CPython's int() refuses longer numbers
_MAX_LINE_KEEP = 4352  # longest text line kept whole (covers any integer int() parses)
_MEMO_SLACK = 4096  # a PUT index may exceed the opcodes read so far by this much...
_MEMO_BOMB_HIGH = 1 << 30  # ...and is an attack (high) once the memo it forces is 1 GiB
_unpack_d = struct.Struct(">d").unpack_from

_EMPTY_TUPLE: tuple[Any, ...] = ()
_TRUNC_TYPES = (Truncated, TruncatedBytes)


_NEVER_CLEARED = (policy.Decision.DENIED, policy.Decision.DUNDER)


class _Stop(Exception):
    """Ends the current pickle's analysis after a finding was reported."""


# Called on BUILD of an instance of an imported class; returns None, or for a joblib
# array (data bytes, aligned) with data bytes -1 when a nested pickle follows instead.
BuildHook = Callable[["Engine", Call, Any, int], "tuple[int, bool] | None"]


class Engine:
    """Analyse the pickles of one source; findings go to ``ctx``."""

    def __init__(
        self,
        source: Source,
        ctx: ScanContext,
        *,
        reporter: Reporter | None = None,
        max_persistent_ids: int = 100_000,
    ) -> None:
        self.source = source
        self.ctx = ctx
        self.limits = ctx.limits
        self.summary = PickleSummary()
        # where findings go and what evidence is kept: the scan's, or the sniffer's DryRun
        self.reporter = reporter if reporter is not None else Reporter(ctx)
        self.extra_allow = ctx.extra_allow
        self.torchscript = ctx.state.format == "torchscript"
        self.max_persistent_ids = max_persistent_ids
        self.build_hook: BuildHook | None = None
        self.reader: Reader | None = None
        self.nested_depth = 0
        self.embedded_imports: set[str] = set()  # of pickles stored as bytes values
        self.completed = 0  # pickles that reached STOP
        self.problem: str | None = None  # first structural problem (rule id)
        self._memo_reported = False
        self._memo_bomb_reported = False
        self._sites_reported = False
        self._ext_reported = False
        self._frame_end = -1
        self._frame_skip = 0
        self._state_only = False  # a state-only class was imported: track its pushes

    # -- findings ------------------------------------------------------------------
    def report(
        self,
        rule_id: str,
        message: str,
        offset: int | None = None,
        index: int | None = None,
        evidence: dict[str, Any] | None = None,
        severity: Severity | None = None,
    ) -> None:
        self.reporter.report(rule_id, message, offset, index, evidence, severity)

    def fail(
        self,
        rule_id: str,
        message: str,
        offset: int,
        index: int,
        evidence: dict[str, Any] | None = None,
        severity: Severity | None = None,
    ) -> _Stop:
        if self.problem is None:
            self.problem = rule_id
        self.summary.complete = False
        self.report(rule_id, message, offset, index, evidence, severity)
        return _Stop()

    def child(self, source: Source, ctx: ScanContext) -> Engine:
        """An engine for a pickle found inside this one's data, one level deeper, with
        the same kind of reporter (a plain engine: no build hook)."""
        child = Engine(source, ctx, reporter=self.reporter.for_context(ctx))
        child.nested_depth = self.nested_depth + 1
        return child

    # -- the stream ----------------------------------------------------------------
    def run_stream(self, start: int = 0, *, trailing_ok: bool = False) -> PickleSummary:
        """Analyse every pickle from ``start`` to the end of the source."""
        reader = self.reader = Reader(self.source, start)
        reader.on_refill = self.ctx.check_time
        try:
            while True:
                ok, _ = self.run_one()
                pos = reader.offset
                if not ok:
                    break
                self.summary.end_offset = pos
                if pos >= self.source.size:
                    break
                first = reader.data[reader.pos : reader.pos + 1] or self.source.read_at(pos, 1)
                if not first or first[0] not in VALID:
                    if not trailing_ok:
                        self.summary.complete = False
                        if self.problem is None:
                            self.problem = "pickle.data-after-stop"
                        self.report(
                            "pickle.data-after-stop",
                            f"{self.source.size - pos} bytes after the last pickle are "
                            "not another pickle",
                            offset=pos,
                            evidence={"bytes": self.source.size - pos},
                        )
                    break
        finally:
            reader.close()
        return self.summary

    def run_at(self, start: int) -> tuple[bool, Any, int]:
        """Analyse exactly one pickle at ``start``: (ok, top-of-stack value, end offset)."""
        reader = self.reader = Reader(self.source, start)
        reader.on_refill = self.ctx.check_time
        try:
            ok, value = self.run_one()
            return ok, value, reader.offset
        finally:
            reader.close()

    def run_one(self) -> tuple[bool, Any]:
        """One pickle from the reader's position to its STOP; the reader ends after it."""
        self.summary.pickles += 1
        self._frame_end = -1  # source offset where the current FRAME ends
        self._frame_skip = 0  # joblib array bytes that follow that end
        try:
            value = self._loop()
        except _Stop:
            return False, None
        self.completed += 1
        return True, value

    # -- the virtual machine ---------------------------------------------------------
    def _loop(self) -> Any:  # one flat dispatch loop: that is the point
        rd = self.reader
        assert rd is not None
        ctx_state = self.ctx.state
        limits = self.limits
        keep = limits.max_string_bytes
        max_memo = limits.max_pickle_memo
        max_stack = limits.max_pickle_stack
        budget = limits.max_pickle_opcodes - ctx_state.opcodes
        summary = self.summary
        stack: list[Any] = []
        metastack: list[list[Any]] = []
        machine = Machine(rd, metastack)  # the state handed to rare opcodes
        lower = 0  # items held by the stacks in metastack
        memo = Memo(max_memo)
        mitems = memo.items  # slots 0..len-1; written in order by real pickles
        mappend = mitems.append
        list_mode = True  # no slot outside ``mitems`` yet: MEMOIZE is a plain append
        proto = 0
        data = rd.data
        pos = rd.pos  # where the previous pickle in this chunk stopped
        end = len(data)
        n = 0  # opcodes of this pickle
        first_index = ctx_state.opcodes
        from_bytes = int.from_bytes
        wo_opcodes = policy.WEIGHTS_ONLY_OPCODES
        op_start = 0
        limit = -1  # data[pos] needs no end/refill check while pos <= limit
        next_check = _CHECK_EVERY
        wo_bad = False  # an opcode torch's weights-only unpickler does not implement
        latin1_of: bytes | None = None  # the chunk ``latin1`` decodes (refills replace it)
        latin1 = ""
        try:
            while True:
                if pos > limit:  # near the end of the chunk: refill, or detect the end
                    if not rd.eof and end - pos < LOOKAHEAD:
                        data, pos = rd.refill(pos)
                        end = len(data)
                    limit = end - LOOKAHEAD if not rd.eof else end - 1
                    if limit > pos + _CHECK_BYTES:
                        limit = pos + _CHECK_BYTES  # come back here for the budget checks
                    if self._frame_skip:  # joblib arrays wait at the end of the frame
                        rel = self._frame_end - rd.base
                        if pos >= rel:
                            rd.data = data
                            data, pos = self._leave_frame(rd, pos, first_index + n)
                            end, limit = len(data), -1
                            continue
                        if limit >= rel:
                            limit = rel - 1
                    if pos >= end:
                        raise self.fail(
                            "pickle.stream.truncated",
                            "the pickle ends before its STOP opcode",
                            rd.base + pos,
                            first_index + n,
                        )
                    if n >= next_check:
                        next_check = n + _CHECK_EVERY
                        if n > budget:
                            raise self.fail(
                                "pickle.budget.opcodes",
                                f"opcode budget of {limits.max_pickle_opcodes} reached",
                                rd.base + pos,
                                first_index + n,
                                {"limit": limits.max_pickle_opcodes},
                            )
                        if lower + len(stack) + len(metastack) > max_stack:
                            raise self.fail(
                                "pickle.budget.stack",
                                f"stack budget of {max_stack} reached",
                                rd.base + pos,
                                first_index + n,
                                {"limit": max_stack},
                            )
                        self.ctx.check_time()
                        self.ctx.progress("pickle", rd.base + pos, rd.size)
                op_start = pos
                op = data[pos]
                pos += 1
                n += 1
                # ---- most frequent opcodes first ----
                if op == 0x8C:  # SHORT_BINUNICODE, in runs (the body of dense string data)
                    wo_bad = True
                    # A run of 2+ memoized strings (how pickle writes lists of strings) takes
                    # the fast path (string_runs.py); anything else the exact path.
                    fast_end = limit - 2  # data[stop] and data[stop + 1] exist below this
                    stop = op_start + 2 + data[pos] if op_start < fast_end else fast_end + 1
                    if stop <= fast_end and data[stop] == 0x94 and data[stop + 1] == 0x8C:
                        if latin1_of is not data:
                            latin1 = data.decode("latin-1")
                            latin1_of = data
                        # how many strings the memo takes: in order (list mode), any number
                        # once degraded (plain strings are not kept then), else none
                        room = (
                            max_memo - len(mitems)
                            if list_mode
                            else fast_end
                            if memo.degraded
                            else 0
                        )
                        run = string_run(data, latin1, op_start, stop, fast_end, room)
                        if run is not None:
                            parts, pos = run
                            k = len(parts)
                            stack.extend(parts)
                            if list_mode:
                                mitems.extend(parts)
                            else:
                                memo.next += k
                            n += 2 * k - 1
                            continue
                    # the exact path: one string at a time, the MEMOIZE after each fused in
                    append = stack.append
                    while True:
                        ln = data[pos]
                        pos += 1
                        if pos + ln > end:
                            raise self._short(rd, pos, first_index + n)
                        try:
                            text = data[pos : pos + ln].decode("utf-8", "surrogatepass")
                        except UnicodeDecodeError:
                            raise self.fail(
                                "pickle.string.invalid",
                                "invalid UTF-8 string",
                                rd.base + pos - 2,
                                first_index + n,
                            ) from None
                        pos += ln
                        append(text)
                        if pos > limit:
                            break
                        nxt = data[pos]
                        if nxt == 0x94:  # fused MEMOIZE (the usual pair)
                            pos += 1
                            n += 1
                            if list_mode and len(mitems) < max_memo:
                                mappend(text)
                            elif memo.degraded:
                                memo.next += 1  # a plain string is not kept once degraded
                            else:
                                list_mode = self._memo_slow(
                                    memo, None, text, rd, pos - 1, first_index + n
                                )
                            if pos > limit:
                                break
                            nxt = data[pos]
                        if nxt != 0x8C:
                            break
                        pos += 1
                        n += 1
                elif op == 0x94:  # MEMOIZE
                    wo_bad = True
                    if not stack:
                        raise self._underflow(rd, op_start, first_index + n, op)
                    if list_mode and len(mitems) < max_memo:
                        mappend(stack[-1])
                    else:
                        list_mode = self._memo_slow(
                            memo, None, stack[-1], rd, op_start, first_index + n
                        )
                elif op == 0x71 or op == 0x72 or op == 0x70:  # BINPUT, LONG_BINPUT, PUT
                    if op == 0x71:
                        idx = data[pos]
                        pos += 1
                    elif op == 0x72:
                        if pos + 4 > end:
                            raise self._short(rd, pos, first_index + n)
                        idx = from_bytes(data[pos : pos + 4], "little")
                        pos += 4
                    else:
                        wo_bad = True
                        line, pos = self._line(rd, data, pos, first_index + n)
                        data, end, limit = rd.data, len(rd.data), -1
                        idx = self._int_arg(line, rd, op_start, first_index + n)
                        if idx < 0:
                            raise self.fail(
                                "pickle.stream.malformed",
                                "negative PUT index",
                                rd.base + op_start,
                                first_index + n,
                            )
                    if not stack:
                        raise self._underflow(rd, op_start, first_index + n, op)
                    if idx < len(mitems):
                        mitems[idx] = stack[-1]
                    elif list_mode and idx == len(mitems) < max_memo:
                        mappend(stack[-1])
                    else:
                        if idx > n + _MEMO_SLACK:  # no pickler writes such an index
                            self._memo_bomb(idx, n, rd.base + op_start, first_index + n)
                        if memo.degraded and type(stack[-1]) is str:  # plain strings: not kept
                            memo.put_plain_string(idx, stack[-1])
                        else:
                            list_mode = self._memo_slow(
                                memo, idx, stack[-1], rd, op_start, first_index + n
                            )
                        if memo.inexact and not self._memo_reported:
                            self._memo_numbering_lost(rd, op_start, first_index + n)
                elif op == 0x68 or op == 0x6A or op == 0x67:  # BINGET, LONG_BINGET, GET
                    if op == 0x68:
                        idx = data[pos]
                        pos += 1
                    elif op == 0x6A:
                        if pos + 4 > end:
                            raise self._short(rd, pos, first_index + n)
                        idx = from_bytes(data[pos : pos + 4], "little")
                        pos += 4
                    else:
                        wo_bad = True
                        line, pos = self._line(rd, data, pos, first_index + n)
                        data, end, limit = rd.data, len(rd.data), -1
                        idx = self._int_arg(line, rd, op_start, first_index + n)
                    if 0 <= idx < len(mitems):
                        value = mitems[idx]
                        if type(value) is Global:
                            self.reread(value)
                        stack.append(value)
                    else:
                        value = memo.get(idx)
                        if value is MISSING:
                            raise self.fail(
                                "pickle.memo.invalid",
                                f"GET of memo slot {idx}, which was never written",
                                rd.base + op_start,
                                first_index + n,
                                {"slot": idx},
                            )
                        if value is EVICTED:
                            self._memo_evicted_read(rd, op_start, first_index + n, idx)
                        elif type(value) is Global:
                            self.reread(value)
                        stack.append(value)
                elif op == 0x28:  # MARK
                    metastack.append(stack)
                    lower += len(stack)
                    stack = []
                elif op == 0x4B:  # BININT1
                    stack.append(data[pos])
                    pos += 1
                elif op == 0x65:  # APPENDS
                    # APPENDS/SETITEMS/APPEND/SETITEM/ADDITEMS on a non-container call a
                    # method of the object (extend/__setitem__/append/add): fine for
                    # allowlisted classes, already reported as an import otherwise.
                    items = stack
                    stack = metastack.pop()
                    lower -= len(stack)
                    target = stack[-1]
                    if type(target) is Container:
                        if target.kind != "list":
                            raise self._wrong_target(target, rd, op_start, first_index + n)
                        target.extend(items)
                elif op == 0x75:  # SETITEMS
                    items = stack
                    stack = metastack.pop()
                    lower -= len(stack)
                    if len(items) & 1:
                        raise self.fail(
                            "pickle.stream.malformed",
                            "SETITEMS with an odd number of items",
                            rd.base + op_start,
                            first_index + n,
                        )
                    target = stack[-1]
                    if type(target) is Container:
                        if target.kind == "list":  # list[index] = value: both unpicklers
                            if not _list_setitems(target, items):
                                raise self._wrong_target(target, rd, op_start, first_index + n)
                        elif target.kind != "dict":
                            raise self._wrong_target(target, rd, op_start, first_index + n)
                        else:
                            target.length += len(items) >> 1
                            if self._state_only:
                                self._dict_keys(items[0::2])
                            if len(target.items) < 32:
                                target.items.extend(zip(items[0:64:2], items[1:64:2], strict=True))
                elif op == 0x4A:  # BININT
                    stack.append(from_bytes(data[pos : pos + 4], "little", signed=True))
                    pos += 4
                elif op == 0x4D:  # BININT2
                    stack.append(data[pos] | data[pos + 1] << 8)
                    pos += 2
                elif op == 0x47:  # BINFLOAT
                    stack.append(_unpack_d(data, pos)[0])
                    pos += 8
                elif op == 0x86:  # TUPLE2
                    b = stack.pop()
                    stack[-1] = (stack[-1], b)
                elif op == 0x85:  # TUPLE1
                    stack[-1] = (stack[-1],)
                elif op == 0x87:  # TUPLE3
                    c = stack.pop()
                    b = stack.pop()
                    stack[-1] = (stack[-1], b, c)
                elif op == 0x74:  # TUPLE
                    items = stack
                    stack = metastack.pop()
                    lower -= len(stack)
                    stack.append(
                        tuple(items)
                        if len(items) <= TUPLE_KEEP
                        else (*items[:TUPLE_KEEP], Opaque(f"{len(items)} items"))
                    )
                elif op == 0x95:  # FRAME
                    wo_bad = True
                    size = from_bytes(data[pos : pos + 8], "little")
                    pos += 8
                    if self._frame_skip:
                        raise self.fail(
                            "pickle.stream.malformed",
                            "a FRAME starts before the current one ends",
                            rd.base + op_start,
                            first_index + n,
                        )
                    self._frame_end = rd.base + pos + size
                    if size > rd.remaining(pos):
                        self.reporter.frame_past_end(
                            self, size, rd.base + op_start, first_index + n
                        )
                elif op == 0x58 or op == 0x8D:  # BINUNICODE, BINUNICODE8
                    if op not in wo_opcodes:
                        wo_bad = True
                    width = 4 if op == 0x58 else 8
                    ln = from_bytes(data[pos : pos + width], "little")
                    pos += width
                    if ln <= keep and pos + ln <= end:  # already buffered: no helper call
                        raw = data[pos : pos + ln]
                        pos += ln
                    else:
                        raw, pos, _ = self._arg(rd, pos, ln, keep, op_start, first_index + n)
                        data, end, limit = rd.data, len(rd.data), -1
                    try:
                        text = raw.decode("utf-8", "surrogatepass")
                    except UnicodeDecodeError:
                        if ln <= keep:
                            raise self.fail(
                                "pickle.string.invalid",
                                "invalid UTF-8 string",
                                rd.base + op_start,
                                first_index + n,
                            ) from None
                        text = raw.decode("utf-8", "replace")
                    stack.append(text if ln <= keep else truncated_str(text, ln))
                elif op == 0x7D:  # EMPTY_DICT
                    stack.append(Container("dict"))
                elif op == 0x5D:  # EMPTY_LIST
                    stack.append(Container("list"))
                elif op == 0x29:  # EMPTY_TUPLE
                    stack.append(_EMPTY_TUPLE)
                elif op == 0x4E:  # NONE
                    stack.append(None)
                elif op == 0x88:  # NEWTRUE
                    stack.append(True)
                elif op == 0x89:  # NEWFALSE
                    stack.append(False)
                elif op == 0x61:  # APPEND
                    item = stack.pop()
                    target = stack[-1]
                    if type(target) is Container:
                        if target.kind != "list":
                            raise self._wrong_target(target, rd, op_start, first_index + n)
                        target.extend([item])
                elif op == 0x73:  # SETITEM
                    v = stack.pop()
                    k = stack.pop()
                    target = stack[-1]
                    if type(target) is Container:
                        if target.kind == "list":  # list[index] = value: both unpicklers
                            if not _list_setitems(target, [k, v]):
                                raise self._wrong_target(target, rd, op_start, first_index + n)
                        elif target.kind != "dict":
                            raise self._wrong_target(target, rd, op_start, first_index + n)
                        else:
                            target.length += 1
                            if self._state_only:
                                self._dict_keys([k])
                            if len(target.items) < 32:
                                target.items.append((k, v))
                elif op == 0x2E:  # STOP
                    if not stack:
                        raise self._underflow(rd, op_start, first_index + n, op)
                    rd.data = data  # the next pickle starts here (no copy of the chunk)
                    rd.pos = pos
                    return stack[-1]
                # ---- imports and calls ----
                elif op == 0x93:  # STACK_GLOBAL
                    wo_bad = True
                    name = stack.pop()
                    module = stack.pop()
                    stack.append(
                        self._import(
                            module, name, proto, rd.base + op_start, first_index + n, stacked=True
                        )
                    )
                elif op == 0x63 or op == 0x69:  # GLOBAL, INST
                    if op not in wo_opcodes:
                        wo_bad = True
                    module, name, pos = self._import_lines(rd, data, pos, op_start, first_index + n)
                    data, end, limit = rd.data, len(rd.data), -1
                    g = self._import(module, name, proto, rd.base + op_start, first_index + n)
                    if op == 0x63:
                        stack.append(g)
                    else:
                        args = tuple(stack[:TUPLE_KEEP])
                        stack = metastack.pop()
                        lower -= len(stack)
                        stack.append(
                            self._call(g, args, "inst", rd.base + op_start, first_index + n)
                        )
                elif op == 0x52:  # REDUCE
                    args = stack.pop()
                    func = stack[-1]
                    stack[-1] = self._call(
                        func, args, "reduce", rd.base + op_start, first_index + n
                    )
                elif op == 0x81:  # NEWOBJ
                    args = stack.pop()
                    cls = stack[-1]
                    stack[-1] = self._call(cls, args, "newobj", rd.base + op_start, first_index + n)
                elif op == 0x92:  # NEWOBJ_EX
                    wo_bad = True
                    kwargs = stack.pop()
                    args = stack.pop()
                    cls = stack[-1]
                    stack[-1] = self._call(
                        cls, args, "newobj", rd.base + op_start, first_index + n, kwargs
                    )
                elif op == 0x6F:  # OBJ
                    wo_bad = True
                    items = stack
                    stack = metastack.pop()
                    lower -= len(stack)
                    if not items:
                        raise self._underflow(rd, op_start, first_index + n, op)
                    stack.append(
                        self._call(
                            items[0],
                            tuple(items[1:TUPLE_KEEP]),
                            "obj",
                            rd.base + op_start,
                            first_index + n,
                        )
                    )
                elif op == 0x62:  # BUILD
                    state = stack.pop()
                    target = stack[-1]
                    skip = self._build(target, state, rd.base + op_start, first_index + n)
                    if skip is not None and rd.base + pos < self._frame_end:
                        # joblib reads the array after the frame its unpickler buffered
                        self._defer_array(rd, skip, op_start, first_index + n)
                        limit = -1
                    elif skip is not None and skip[0] >= 0:  # joblib: raw array bytes follow
                        rd.data = data
                        data, pos = self._joblib_skip(rd, pos, skip, first_index + n)
                        end, limit = len(data), -1
                    elif skip is not None:  # joblib object array: a nested pickle follows
                        rd.data, rd.pos = data, pos
                        self._nested_stream(rd.offset, first_index + n)
                        data, pos = rd.data, rd.pos
                        end, limit = len(data), -1
                else:  # ---- rare and protocol-0 data opcodes (rare_opcodes.py) ----
                    handler = RARE_OPCODES.get(op)
                    if handler is None:
                        raise self.fail(
                            "pickle.opcode.unknown",
                            f"byte 0x{op:02x} is not a pickle opcode",
                            rd.base + op_start,
                            first_index + n,
                            {"byte": op},
                        )
                    if op not in wo_opcodes:
                        wo_bad = True
                    machine.stack, machine.lower, machine.proto, machine.pos = (
                        stack,
                        lower,
                        proto,
                        pos,
                    )
                    if handler(self, machine, op, op_start, first_index + n):
                        data, end, limit = rd.data, len(rd.data), -1
                    stack, lower, proto, pos = (
                        machine.stack,
                        machine.lower,
                        machine.proto,
                        machine.pos,
                    )
        except (IndexError, struct.error):
            if pos >= end:
                raise self._short(rd, pos, first_index + n) from None
            raise self.fail(
                "pickle.stream.malformed",
                f"stack underflow at {NAMES.get(data[op_start], '?')}",
                rd.base + op_start,
                first_index + n,
            ) from None
        finally:
            ctx_state.opcodes += n
            summary.opcodes += n
            if wo_bad:
                summary.weights_only_opcodes = False

    # -- helpers called from the loop (rare paths) -------------------------------------
    def _short(self, rd: Reader, pos: int, index: int) -> _Stop:
        return self.fail(
            "pickle.stream.truncated",
            "the pickle ends inside an opcode argument",
            rd.base + min(pos, len(rd.data)),
            index,
        )

    def _wrong_target(self, target: Container, rd: Reader, pos: int, index: int) -> _Stop:
        # e.g. APPENDS to a dict: the real unpickler fails with AttributeError there
        return self.fail(
            "pickle.stream.malformed",
            f"{NAMES.get(rd.data[pos] if pos < len(rd.data) else -1, 'opcode')} on a {target.kind}",
            rd.base + pos,
            index,
        )

    def _underflow(self, rd: Reader, pos: int, index: int, op: int) -> _Stop:
        return self.fail(
            "pickle.stream.malformed",
            f"stack underflow at {NAMES.get(op, '?')}",
            rd.base + pos,
            index,
        )

    def _memo_slow(
        self, memo: Memo, idx: int | None, value: Any, rd: Reader, pos: int, index: int
    ) -> bool:
        """MEMOIZE (idx None) or PUT off the fast path; returns whether list mode holds."""
        if memo.store(idx, value):
            # Not a finding yet: the analysis stays exact until a dropped slot is read.
            self.summary.memo_degraded = True
        if memo.inexact and not self._memo_reported:
            self._memo_numbering_lost(rd, pos, index)
        return memo.extra is None

    def _memo_bomb(self, idx: int, seen: int, offset: int, index: int) -> None:
        """A PUT index beyond the opcodes read so far: CPython's C unpickler grows its
        memo array to 2 * index pointers and zero-fills it (``_UnpicklerMemoPut``)."""
        if self._memo_bomb_reported:
            return
        self._memo_bomb_reported = True
        asked = idx * 16
        self.report(
            "pickle.memo.bomb",
            f"memo index {idx} after {seen} opcodes: CPython's unpickler allocates "
            f"{_size(asked)} for its memo to store it",
            offset,
            index,
            {"index": idx, "opcodes": seen, "bytes": asked},
            Severity.HIGH if asked >= _MEMO_BOMB_HIGH else None,
        )

    def _memo_numbering_lost(self, rd: Reader, pos: int, index: int) -> None:
        self._memo_reported = True
        self.summary.complete = False
        self.report(
            "pickle.budget.memo",
            "a PUT skipped memo slots after the memo budget of "
            f"{self.limits.max_pickle_memo} entries was reached: the slots later "
            "MEMOIZEs write to are no longer known",
            rd.base + pos,
            index,
            {"limit": self.limits.max_pickle_memo},
        )

    def _memo_evicted_read(self, rd: Reader, pos: int, index: int, slot: int) -> None:
        if not self._memo_reported:
            self._memo_reported = True
            self.summary.complete = False
            self.report(
                "pickle.budget.memo",
                f"memo slot {slot} was read back after the memo budget of "
                f"{self.limits.max_pickle_memo} entries dropped it; the value is unknown",
                rd.base + pos,
                index,
                {"limit": self.limits.max_pickle_memo, "slot": slot},
            )

    def _line(self, rd: Reader, data: bytes, pos: int, index: int) -> tuple[bytes, int]:
        rd.data = data
        line, pos, full = rd.line(pos, _MAX_LINE_KEEP)
        if line is None:
            raise self.fail(
                "pickle.stream.truncated",
                "the pickle ends inside a text argument",
                rd.base + pos,
                index,
            )
        if full > len(line):  # only a prefix was kept: say so to the caller
            return truncated_bytes(line, full), pos
        if line.endswith(b"\r"):
            line = line[:-1]
        return line, pos

    def _text_arg(
        self, rd: Reader, pos: int, quoted: bool, op_start: int, index: int
    ) -> tuple[str, int]:
        """A STRING (``quoted``) or UNICODE line of any length, validated whole."""
        keep = self.limits.max_string_bytes
        arg = QuotedString(keep) if quoted else RawUnicode(keep)
        end = rd.feed_line(pos, arg.feed)
        if end is None:
            raise self.fail(
                "pickle.stream.truncated",
                "the pickle ends inside a text argument",
                rd.base + len(rd.data),
                index,
            )
        what = "STRING" if quoted else "UNICODE"
        try:
            text = arg.finish()
        except NotQuoted:
            raise self.fail(
                "pickle.stream.malformed",
                "STRING argument is not quoted",
                rd.base + op_start,
                index,
            ) from None
        except ValueError:  # UnicodeDecodeError included
            raise self.fail(
                "pickle.string.invalid", f"bad {what} escape", rd.base + op_start, index
            ) from None
        return (truncated_str(text, arg.length) if arg.truncated else text), end[0]

    def _literal_int(self, line: bytes, rd: Reader, op_start: int, index: int) -> Any:
        """INT/LONG's line: both unpicklers read it with base 0 (``0x10``, ``0b1``, and
        the C INT's ``strtol`` octal ``010``); a power-of-two base has no digit limit."""
        if type(line) is TruncatedBytes:  # only a prefix was kept
            if long_power_of_two_literal(line):
                return Opaque(f"{line.full_length}-character integer")
            return self._int_arg(line, rd, op_start, index)
        value = literal_int(line)
        if value is None:
            return self._int_arg(line, rd, op_start, index)
        return value

    def _import_lines(
        self, rd: Reader, data: bytes, pos: int, op_start: int, index: int
    ) -> tuple[str, str, int]:
        """The module and name lines of GLOBAL and INST, and the position after them."""
        mline, pos = self._line(rd, data, pos, index)
        nline, pos = self._line(rd, rd.data, pos, index)
        try:
            module = mline.decode("utf-8")
            name = nline.decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail(
                "pickle.string.invalid",
                "import name is not UTF-8",
                rd.base + op_start,
                index,
            ) from None
        if type(mline) is TruncatedBytes or type(nline) is TruncatedBytes:
            # a name longer than the kept prefix cannot be named: say so
            module = truncated_str(module, len(module) + 1)
        return module, name, pos

    def _int_arg(self, line: bytes, rd: Reader, op_start: int, index: int) -> int:
        if len(line) > _MAX_INT_LINE or isinstance(line, TruncatedBytes):
            raise self.fail(
                "pickle.stream.malformed", "integer argument too long", rd.base + op_start, index
            )
        try:
            return int(line)
        except ValueError:
            raise self.fail(
                "pickle.stream.malformed",
                "integer argument is no number",
                rd.base + op_start,
                index,
            ) from None

    def _arg(
        self, rd: Reader, pos: int, ln: int, keep: int, op_start: int, index: int
    ) -> tuple[bytes, int, int]:
        if pos > len(rd.data):
            raise self._short(rd, pos, index)
        left = rd.remaining(pos)
        if ln > left:
            # the sniffer sees a window, not the whole file
            self.reporter.strict(
                self,
                "pickle.stream.truncated",
                "argument past the window",
                rd.base + op_start,
                index,
            )
            raise self.fail(
                "pickle.length.exceeds-file",
                f"argument of {ln} bytes declared, only {left} left in the file",
                rd.base + op_start,
                index,
                {"declared": ln, "available": left},
            )
        return rd.take(pos, ln, keep)

    def _import(
        self, module: Any, name: Any, proto: int, offset: int, index: int, stacked: bool = False
    ) -> Any:
        if (
            not (isinstance(module, str) and isinstance(name, str))
            or isinstance(module, _TRUNC_TYPES)
            or isinstance(name, _TRUNC_TYPES)
        ):
            self.reporter.strict(self, "pickle.import.malformed", "bad import", offset, index)
            self.summary.complete = False
            self.report(
                "pickle.import.malformed",
                "STACK_GLOBAL operands are not both strings "
                f"({kind_of(module)}, {kind_of(name)}); the import cannot be named",
                offset,
                index,
                {"module": kind_of(module), "name": kind_of(name)},
            )
            return Opaque("unresolvable import")
        self.reporter.check_import_names(self, module, name, offset, index)
        if not stacked or proto < 3:
            module, name = policy.normalise(module, name, proto)
        path = f"{module}.{name}"
        imports = self.summary.imports
        site = imports.get(path)
        if site is None:
            if len(imports) >= _MAX_SITES:
                self._past_site_budget(module, name, offset, index)
                return Global(module, name, offset, index)
            site = ImportSite(
                module,
                name,
                policy.classify(module, name, self.extra_allow, torchscript=self.torchscript),
                offset,
                index,
                self.ctx.member,
                weights_only=policy.weights_only_allows(path),
            )
            imports[path] = site
            if site.classification.decision is policy.Decision.STATE_ONLY:
                self._state_only = True
        site.count += 1
        return Global(module, name, offset, index)

    def _past_site_budget(self, module: str, name: str, offset: int, index: int) -> None:
        """Past the distinct-import budget: say so once, and still record (a bounded number
        of) imports the policy does not allow, so a payload cannot hide behind decoys."""
        imports = self.summary.imports
        if not self._sites_reported:
            self._sites_reported = True
            self.summary.complete = False
            self.report(
                "pickle.budget.imports",
                f"more than {_MAX_SITES} distinct imports: past the budget only "
                "imports that are not allowed are recorded",
                offset,
                index,
                {"limit": _MAX_SITES},
            )
        classification = policy.classify(
            module, name, self.extra_allow, torchscript=self.torchscript
        )
        if (
            classification.decision is not policy.Decision.ALLOWED
            and len(imports) < _MAX_SITES + _MAX_SITES_PAST_BUDGET
        ):
            path = f"{module}.{name}"
            imports[path] = ImportSite(
                module,
                name,
                classification,
                offset,
                index,
                self.ctx.member,
                weights_only=policy.weights_only_allows(path),
            )
            imports[path].count = 1

    def _call(
        self, func: Any, args: Any, kind: str, offset: int, index: int, kwargs: Any = None
    ) -> Call:
        call = Call(func, args, kind, offset, index, kwargs)
        if type(func) is Global:
            path = func.path
            site = self.summary.imports.get(path)
            if site is not None:
                calls = self.summary.calls
                calls[path] = calls.get(path, 0) + 1
                site.called = True
                if kind != "newobj" or args != () or kwargs is not None:
                    site.constructed = True
                else:
                    site.plain_uses += 1
                if site.classification.decision is not policy.Decision.ALLOWED:
                    self.reporter.excerpt(self, call, site)
                    if site.classification.decision not in _NEVER_CLEARED:
                        self.reporter.code_argument(self, path, call, offset, index)
                    if policy.is_loads_like(func.module, func.name):
                        self.reporter.nested(self, call, offset, index)
                    elif site.classification.decision is policy.Decision.WRAPPER:
                        self._wrapped(site, args)
                elif path in policy.CALLERS:
                    self._forwarded(call, policy.CALLERS[path], offset, index)
                elif path in policy.ALLOCATORS:
                    self.reporter.allocation(
                        self, path, args, policy.ALLOCATORS[path], offset, index
                    )
        else:
            if isinstance(func, Call) and type(func.func) is Global:
                made = self.summary.imports.get(func.func.path)
                if made is not None:
                    made.result_called = True
            self.reporter.code_argument(self, "the result of a call", call, offset, index)
            self.reporter.indirect(self, call, offset, index)
        return call

    def reread(self, value: Global) -> None:
        """The pickle pushes an import it made before (memo read, DUP)."""
        site = self.summary.imports.get(value.path)
        if site is not None:
            site.reads += 1

    def _dict_keys(self, keys: list[Any]) -> None:
        """Classes as keys of a plain dict are only hashed (old Lightning checkpoints key
        their callback states by class)."""
        for key in keys:
            if type(key) is Global:
                site = self.summary.imports.get(key.path)
                if site is not None:
                    site.plain_uses += 1

    def _forwarded(self, call: Call, position: int, offset: int, index: int) -> None:
        """An allowed helper calls the callable at ``position`` of its arguments."""
        args = call.args
        if not (isinstance(args, tuple) and len(args) > position):
            return
        if (
            position == 1
            and type(args[0]) is Global
            and type(args[1]) is Global
            and args[1].path == "builtins.object"
        ):
            # copyreg._reconstructor(cls, object, None): object.__new__(cls), what protocol
            # 0 and 1 write for a plain instance
            site = self.summary.imports.get(args[0].path)
            if site is not None:
                site.plain_uses += 1
        callee = args[position]
        if isinstance(callee, Call) and type(callee.func) is Global:
            made = self.summary.imports.get(callee.func.path)  # e.g. a partial object
            if made is not None:
                made.result_called = True
            return
        if type(callee) is not Global:
            return
        site = self.summary.imports.get(callee.path)
        if site is None:
            return
        site.called = True
        site.constructed = True
        self.summary.calls[callee.path] = self.summary.calls.get(callee.path, 0) + 1
        if site.classification.decision is not policy.Decision.ALLOWED:
            self.reporter.excerpt(self, call, site)
            if site.classification.decision not in _NEVER_CLEARED:
                rest = args[:position] + args[position + 1 :]
                self.reporter.code_argument(
                    self, callee.path, Call(callee, rest, call.kind, offset, index), offset, index
                )

    def _wrapped(self, site: ImportSite, held: Any) -> None:
        """Note when a wrapper (functools.partial) holds a denied or dunder callable."""
        if isinstance(held, tuple) and held and type(held[0]) is Global:
            inner = self.summary.imports.get(held[0].path)
            if inner is not None and inner.classification.decision in _NEVER_CLEARED:
                site.wraps_denied = True

    def _build(self, target: Any, state: Any, offset: int, index: int) -> tuple[int, bool] | None:
        if isinstance(target, Call):
            target.state = state
            func = target.func
            if type(func) is Global:
                site = self.summary.imports.get(func.path)
                if site is not None and site.classification.decision is not policy.Decision.ALLOWED:
                    self.reporter.excerpt(self, target, site)
                    if site.classification.decision is policy.Decision.WRAPPER:
                        self._wrapped(site, state)  # partial.__setstate__ swaps func in
                    elif site.classification.decision not in _NEVER_CLEARED and _bare_strings(
                        state
                    ):
                        # __setstate__(state) of an unvetted class: a bare string state is
                        # an argument (a dict state is attribute data, e.g. configs)
                        self.reporter.code_argument(
                            self,
                            f"{func.path}.__setstate__",
                            Call(func, (state,), "BUILD", offset, index),
                            offset,
                            index,
                        )
                if self.build_hook is not None:
                    return self.build_hook(self, target, state, index)
            return None
        if type(target) is Global:
            site = self.summary.imports.get(target.path)
            if site is not None:
                site.build_target = True
            self.report(
                "pickle.build.global-target",
                f"BUILD sets state on the imported object {target.path} itself",
                offset,
                index,
                {"global": target.path[:200]},
            )
        return None

    def _persistent(self, pid: Any) -> Any:
        ids = self.summary.persistent_ids
        if len(ids) < self.max_persistent_ids:
            ids.append(pid)
        return Opaque("persistent id")

    def _extension(self, code: int, offset: int, index: int) -> Any:
        self.reporter.strict(self, "pickle.ext-registry", "extension", offset, index)
        self.summary.complete = False
        if not self._ext_reported:
            self._ext_reported = True
            self.report(
                "pickle.ext-registry",
                f"EXT opcode with extension code {code}: the import is resolved by the "
                "loading process's copyreg registry",
                offset,
                index,
                {"code": code},
            )
        return Opaque(f"extension {code}")

    def _nested_stream(self, offset: int, index: int) -> None:
        """A pickle embedded in this one's byte stream (joblib object arrays)."""
        if self.nested_depth >= 3:
            raise self.fail(
                "pickle.joblib.array", "joblib nested pickles nested too deeply", offset, index
            )
        self.nested_depth += 1
        outer_frame = self._frame_end, self._frame_skip
        try:
            ok, _ = self.run_one()
        finally:
            self.nested_depth -= 1
        if not ok:
            raise _Stop()
        rd = self.reader
        assert rd is not None
        stop = rd.offset  # just after the nested STOP
        if self._frame_end > stop or self._frame_skip:
            # joblib's pure-Python unpickler read the nested pickle's whole frame: the
            # outer pickle goes on after that frame (and any arrays deferred past it),
            # not after the nested STOP; the frame's unread rest is never run
            target = self._frame_end + self._frame_skip
            self.report(
                "pickle.joblib.array-in-frame",
                "a nested joblib pickle stops inside "
                f"its FRAME: joblib.load skips {target - stop} bytes after its "
                "STOP and goes on after the frame",
                stop,
                index,
                {"frame_end": self._frame_end},
            )
            rd.skip_to(target)
            rd.refill(0)
        self._frame_end, self._frame_skip = outer_frame

    def _joblib_skip(
        self, rd: Reader, pos: int, array: tuple[int, bool], index: int
    ) -> tuple[bytes, int]:
        """Skip a joblib array's raw bytes (padding byte + padding + data) after BUILD."""
        skip, aligned = array
        self.summary.joblib_arrays += 1
        if aligned:
            if pos >= len(rd.data):
                rd.data, pos = rd.refill(pos)
            if pos >= len(rd.data):
                raise self.fail(
                    "pickle.joblib.array", "joblib array padding byte missing", rd.base + pos, index
                )
            skip += 1 + rd.data[pos]
        left = rd.remaining(pos)
        if skip > left:
            raise self.fail(
                "pickle.joblib.array",
                f"joblib array declares {skip} bytes, only {left} left in the file",
                rd.base + pos,
                index,
                {"declared": skip, "available": left},
            )
        target = rd.base + pos + skip
        self._record_region(rd.base + pos, target)
        if pos + skip <= len(rd.data):
            return rd.data, pos + skip
        rd.skip_to(target)
        return rd.refill(0)

    def _defer_array(self, rd: Reader, array: tuple[int, bool], op_start: int, index: int) -> None:
        """A joblib array BUILT inside a FRAME. joblib's pure-Python unpickler buffered the
        whole frame, and ``read_array`` reads from the file handle: the array's bytes (and
        its padding byte) come after the frame, while the rest of the frame runs as
        opcodes. joblib.dump commits its frame before every array, so only a crafted file
        does this."""
        offset = rd.base + op_start
        self.report(
            "pickle.joblib.array-in-frame",
            "a joblib array is built inside a pickle "
            "FRAME: joblib.load reads its bytes after the frame and runs the rest of "
            "the frame as opcodes",
            offset,
            index,
            {"frame_end": self._frame_end},
        )
        skip, aligned = array
        if skip < 0:  # an object array: a nested pickle after the frame
            raise self.fail(
                "pickle.joblib.array",
                "joblib object array inside a FRAME: its pickle after the frame was not analysed",
                offset,
                index,
            )
        at = self._frame_end + self._frame_skip
        if aligned:
            pad = self.source.read_at(at, 1)
            if not pad:
                raise self.fail(
                    "pickle.joblib.array", "joblib array padding byte missing", at, index
                )
            skip += 1 + pad[0]
        left = self.source.size - at
        if skip > left:
            raise self.fail(
                "pickle.joblib.array",
                f"joblib array declares {skip} bytes, only {left} left in the file",
                at,
                index,
                {"declared": skip, "available": left},
            )
        self.summary.joblib_arrays += 1
        self._frame_skip += skip

    def _leave_frame(self, rd: Reader, pos: int, index: int) -> tuple[bytes, int]:
        """At the end of a frame after deferred joblib arrays: jump over their bytes."""
        if rd.base + pos != self._frame_end:
            raise self.fail(
                "pickle.stream.malformed",
                "an opcode runs past the end of its FRAME (joblib's unpickler stops there)",
                rd.base + pos,
                index,
            )
        target = self._frame_end + self._frame_skip
        self._frame_skip = 0
        self._record_region(self._frame_end, target)
        rd.skip_to(target)
        return rd.refill(0)

    def _record_region(self, start: int, end: int) -> None:
        """Bytes skipped as joblib array data (a plain unpickler reads them as opcodes)."""
        regions = self.summary.array_regions
        if len(regions) < _MAX_REGIONS:
            regions.append((start, end))


def _size(nbytes: int) -> str:
    if nbytes >= 1 << 30:
        return f"{nbytes / (1 << 30):.1f} GiB"
    return f"{nbytes / (1 << 20):.1f} MiB"


# Keys a list refuses (``list[None] = x`` raises): literals that are no index or slice.
_NO_LIST_INDEX = (type(None), str, bytes, float, tuple, Container)


def _list_setitems(target: Container, items: list[Any]) -> bool:
    """SETITEM(S) on a list: ``list[key] = value`` (an index or a slice); False when a
    key is a literal that no list accepts (the unpickler fails there)."""
    kept = target.items
    for key, value in zip(items[0::2], items[1::2], strict=False):
        if isinstance(key, _NO_LIST_INDEX):
            return False
        if type(key) is int and -len(kept) <= key < len(kept) and target.length == len(kept):
            kept[key] = value
        elif len(kept) < CONTAINER_KEEP:
            kept.append(value)  # where exactly is unknown: keep the value visible
    return True


def _bare_strings(state: Any) -> bool:
    """A BUILD state that is a string, or a tuple of strings (not attribute data)."""
    if isinstance(state, str | bytes):
        return True
    return (
        isinstance(state, tuple)
        and bool(state)
        and all(isinstance(x, str | bytes) for x in state[:8])
    )
