"""A bounded GGUF (versions 1-3) validator: header, metadata, tensor infos, data layout.

Layout (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md)::

    "GGUF" u32 version  count tensor_count  count kv_count      (count: u64, u32 in v1)
    kv_count x   string key, u32 value_type, value               (arrays nest)
    tensor_count x  string name, u32 n_dims, count dims[n_dims], u32 ggml_type, u64 offset
    padding to general.alignment (default 32), then tensor data

Every count and length is checked against the bytes left in the file before anything is
read or allocated (the Talos 2024 llama.cpp overflow classes), then against
``ScanLimits``. Chat templates found in the metadata go to ``weightscan.scanner.templates``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from weightscan.scanner import hidden_bytes
from weightscan.scanner.context import ScanContext
from weightscan.scanner.finding_caps import RuleCaps
from weightscan.scanner.gguf import types as t
from weightscan.scanner.gguf.reader import Cursor, LengthPastEnd
from weightscan.scanner.model import Severity
from weightscan.scanner.safetensors import metadata_values
from weightscan.scanner.source import Source

_MAX_ARRAY_NESTING = 8
_MAX_KEY_BYTES = 64 * 1024
_KEEP_STRING = 256  # string values kept for the summary
_MAX_PADDING_CHECKS = 100_000  # alignment paddings looked into (one small read each)
_MIN_PADDING_CHECK = 8  # bytes; smaller paddings cannot hold a meaningful payload
_TEMPLATE_KEY = "tokenizer.chat_template"
_SCAN_CHUNK = 4 << 20  # string-array bytes searched for payload signs per read
_SCAN_OVERLAP = 256
_SCAN_PIECE = 64 << 10  # regions of a suspect chunk whose strings are inspected
_MAX_SUSPECT_STRINGS = 4096  # strings of one array inspected one by one
_TEMPLATE_BUDGET = 4  # templates' worth of bytes (of max_template_bytes) analysed per file


def lie_severity(declared: int, file_size: int) -> Severity:
    """HIGH for the absurd sizes overflow exploits use; MEDIUM for a merely truncated file."""
    if declared >= 1 << 32 or declared > 2 * file_size + (1 << 20):
        return Severity.HIGH
    return Severity.MEDIUM


class _Stop(Exception):
    """The rest of the file cannot be walked; the reason was already reported."""


@dataclass(frozen=True)
class ArrayValue:
    element_type: int
    count: int


@dataclass
class _Tensor:
    name: str
    type_id: int
    dims: tuple[int, ...]
    offset: int
    nbytes: int | None  # None when the type or shape made the size uncomputable
    info_offset: int


@dataclass
class _State:
    version: int = 0
    big_endian: bool = False
    tensor_count: int = 0
    kv_count: int = 0
    kv: dict[str, tuple[int, Any]] = field(default_factory=dict)
    templates: list[str] = field(default_factory=list)
    tensors: list[_Tensor] = field(default_factory=list)
    template_bytes: int = 0
    alignment: int = t.DEFAULT_ALIGNMENT
    data_start: int | None = None
    infos_end: int = 0


def analyze_gguf(source: Source, ctx: ScanContext) -> None:
    """Validate a GGUF file and add a summary (architecture, parameters...) to the report."""
    parser = _Parser(source, ctx)
    try:
        parser.run()
    except _Stop:
        pass
    except LengthPastEnd as exc:
        ctx.report(
            "gguf.length.overflow",
            str(exc),
            offset=exc.offset,
            severity=lie_severity(exc.length, source.size),
            evidence={"what": exc.what, "length": exc.length, "remaining": exc.remaining},
        )
    finally:
        parser.summarise()


class _Parser:
    def __init__(self, source: Source, ctx: ScanContext) -> None:
        self.source, self.ctx = source, ctx
        self.st = _State()
        self.cur = Cursor(source)
        self.caps = ctx.capped(ctx.limits.max_findings_per_rule)

    # -- findings ----------------------------------------------------------------------
    def report(
        self,
        rule_id: str,
        message: str,
        *,
        offset: int | None,
        severity: Severity | None = None,
        **evidence: Any,
    ) -> None:
        self.caps(rule_id, message, offset=offset, severity=severity, evidence=evidence)

    def stop(
        self,
        rule_id: str,
        message: str,
        *,
        offset: int | None,
        severity: Severity | None = None,
        **evidence: Any,
    ) -> _Stop:
        self.report(rule_id, message, offset=offset, severity=severity, **evidence)
        return _Stop(message)

    # -- the walk ----------------------------------------------------------------------
    def run(self) -> None:
        self._header()
        self._metadata()
        self._check_alignment()
        self._tensor_infos()
        self._layout()

    def _header(self) -> None:
        head = self.source.read_at(0, 8)
        if len(head) < 8 or head[:4] != b"GGUF":
            raise self.stop("gguf.header.invalid", "no GGUF magic and version", offset=0)
        version = int.from_bytes(head[4:8], "little")
        big = version & 0xFFFF == 0 and version != 0  # a byte-swapped (big-endian) file
        if big:
            version = int.from_bytes(head[4:8], "big")
        if version not in (1, 2, 3):
            raise self.stop(
                "gguf.header.invalid",
                f"unsupported GGUF version {version}",
                offset=4,
                version=version,
            )
        self.st.version, self.st.big_endian = version, big
        self.cur = cur = Cursor(self.source, 8, big_endian=big, wide=version >= 2)
        self.st.tensor_count = tensors = cur.length()
        self.st.kv_count = kvs = cur.length()
        # The smallest possible KV pair and tensor info, to bound the counts by the file.
        min_kv = cur.len_size + 4 + 1
        min_tensor = cur.len_size + 4 + 4 + 8
        needed = kvs * min_kv + tensors * min_tensor
        if needed > cur.remaining:
            raise self.stop(
                "gguf.count.overflow",
                f"{kvs} KV pairs and {tensors} tensors cannot fit in the "
                f"{cur.remaining} bytes left",
                offset=8,
                kv_count=kvs,
                tensor_count=tensors,
                remaining=cur.remaining,
                severity=lie_severity(needed, cur.size),
            )
        limits = self.ctx.limits
        for count, cap, what in (
            (kvs, limits.max_gguf_kv, "GGUF KV pairs"),
            (tensors, limits.max_gguf_tensors, "GGUF tensors"),
        ):
            if count > cap:
                raise self.stop(
                    "limits.resource",
                    f"{count} {what} exceed the limit of {cap}; "
                    "metadata, tensor infos and tensor data were not analysed",
                    offset=8,
                    resource=what,
                    limit=cap,
                )

    def _metadata(self) -> None:
        cur, st = self.cur, self.st
        for index in range(st.kv_count):
            if index % 1024 == 0:
                self.ctx.check_time()
            key_offset = cur.pos
            key = self._key()
            vtype = cur.u32()
            value = self._value(vtype, key, 0)
            if _is_template_key(key) and vtype != t.STRING:
                self.report(
                    "gguf.kv.invalid",
                    f"chat template {key[:120]!r} is a "
                    f"{t.VALUE_TYPE_NAMES.get(vtype, vtype)}, not a string",
                    offset=key_offset,
                    key=key[:120],
                )
            if key in st.kv:
                self.report(
                    "gguf.kv.duplicate",
                    f"metadata key {key[:120]!r} appears twice",
                    offset=key_offset,
                    key=key[:120],
                )
            st.kv[key] = (vtype, value)

    def _key(self) -> str:
        cur = self.cur
        start = cur.pos
        n = cur.string_length("key")
        if n > _MAX_KEY_BYTES:
            cur.skip(n, "key")
            self.report(
                "gguf.kv.invalid", f"metadata key of {n} bytes was not read", offset=start, length=n
            )
            return f"<{n}-byte key at {start}>"
        raw = cur.take(n)
        try:
            key = raw.decode("utf-8")
        except UnicodeDecodeError:
            key = raw.decode("utf-8", "backslashreplace")
            self.report(
                "gguf.kv.invalid",
                f"metadata key {key[:120]!r} is not UTF-8",
                offset=start,
                key=key[:120],
            )
        if "\x00" in key:
            # llama.cpp reads keys as C strings (strcmp, std::string from char*), so
            # "tokenizer.chat_template\0x" is its chat template: judge the key it sees
            self.report(
                "gguf.kv.invalid",
                f"metadata key {key[:120]!r} holds a NUL byte; "
                f"C loaders read it as {key.split(chr(0), 1)[0][:120]!r}",
                offset=start,
                key=key[:120],
            )
            key = key.split("\x00", 1)[0]
        return key

    def _value(self, vtype: int, key: str, depth: int) -> Any:
        cur = self.cur
        scalar = t.SCALARS.get(vtype)
        if scalar is not None:
            return cur.unpack(scalar[1])
        if vtype == t.STRING:
            return self._string_value(key)
        if vtype == t.ARRAY:
            return self._array(key, depth)
        raise self.stop(
            "gguf.kv.invalid",
            f"key {key[:120]!r} has unknown value type {vtype}",
            offset=cur.pos - 4,
            key=key[:120],
            value_type=vtype,
        )

    def _string_value(self, key: str) -> str:
        cur = self.cur
        start = cur.pos
        n = cur.string_length("string")
        is_template = _is_template_key(key)
        if n > self.ctx.limits.max_gguf_string and not is_template:
            self.report(
                "limits.resource",
                f"string value of {key[:120]!r} is {n} bytes, above the limit; its "
                "content was not inspected",
                offset=start,
                resource="GGUF string",
                limit=self.ctx.limits.max_gguf_string,
            )
            cur.skip(n, "string")
            return ""
        keep = min(
            n,
            self.ctx.limits.max_template_bytes + 1
            if is_template
            else hidden_bytes.NESTED_ANALYSIS_BYTES,
        )
        value_offset = cur.pos
        raw = cur.take(keep)
        cur.skip(n - keep, "string")
        if is_template:
            self.st.templates.append(key)
            self._template(raw, key, value_offset, n)
        else:
            self._payload(raw, f"metadata {key[:120]!r}", value_offset)
            if keep < n:
                self.report(
                    "limits.resource",
                    f"string value of {key[:120]!r} is {n} bytes; "
                    f"only its first {keep} were inspected, the rest was not inspected",
                    offset=value_offset,
                    resource="GGUF string inspection",
                    limit=keep,
                )
        return raw[:_KEEP_STRING].decode("utf-8", "replace")

    def _payload(self, raw: bytes, where: str, offset: int) -> None:
        metadata_values.inspect_value(
            raw, self.ctx, rule_id="gguf.metadata.payload", where=where, offset=offset
        )

    def _template(self, raw: bytes, key: str, offset: int, size: int) -> None:
        from weightscan.scanner.templates import analyze_template

        # Parsing is the costly part of a GGUF scan; a file with many large templates
        # gets a budget of a few templates' worth of bytes, then the rest are reported.
        self.st.template_bytes += min(size, self.ctx.limits.max_template_bytes)  # analysed
        budget = _TEMPLATE_BUDGET * self.ctx.limits.max_template_bytes
        if self.st.template_bytes > budget:
            self.report(
                "templates.oversized",
                f"chat template {key[:120]!r} not analysed: "
                f"templates in this file exceed {budget} bytes in all",
                offset=offset,
                template=key[:120],
                bytes=size,
            )
            return
        self.ctx.check_time()
        analyze_template(raw, self.ctx, name=key, offset=offset, size=size)

    def _array(self, key: str, depth: int) -> ArrayValue:
        cur = self.cur
        start = cur.pos
        etype = cur.u32()
        count = cur.length()
        if depth >= _MAX_ARRAY_NESTING:
            raise self.stop(
                "gguf.kv.invalid",
                f"arrays in {key[:120]!r} nest deeper than "
                f"{_MAX_ARRAY_NESTING}; the rest of the file was not analysed",
                offset=start,
                key=key[:120],
            )
        scalar = t.SCALARS.get(etype)
        if scalar is not None:
            elem = scalar[2]
        elif etype == t.STRING:
            elem = cur.len_size
        elif etype == t.ARRAY:
            elem = 4 + cur.len_size
        else:
            raise self.stop(
                "gguf.kv.invalid",
                f"array {key[:120]!r} has unknown element type {etype}",
                offset=start,
                key=key[:120],
                value_type=etype,
            )
        if count * elem > cur.remaining:
            raise self.stop(
                "gguf.length.overflow",
                f"array {key[:120]!r} of {count} elements cannot fit in the "
                f"{cur.remaining} bytes left",
                offset=start,
                key=key[:120],
                count=count,
                remaining=cur.remaining,
                severity=lie_severity(count * elem, cur.size),
            )
        if count > self.ctx.limits.max_gguf_array:
            message = f"array {key[:120]!r} has {count} elements, above the limit"
            if scalar is None:
                message += "; it and the rest of the file were not analysed"
                raise self.stop(
                    "limits.resource",
                    message,
                    offset=start,
                    resource="GGUF array",
                    limit=self.ctx.limits.max_gguf_array,
                )
            self.report(
                "limits.resource",
                message,
                offset=start,
                resource="GGUF array",
                limit=self.ctx.limits.max_gguf_array,
            )
        if scalar is not None:
            cur.skip(count * elem, "array")
        elif etype == t.STRING:
            first = cur.pos
            self._skip_strings(key, count)
            if not _is_template_key(key):
                self._scan_strings(key, first, cur.pos)
        else:
            for index in range(count):
                if index % 4096 == 0:
                    self.ctx.check_time()
                self._array(key, depth + 1)
        return ArrayValue(etype, count)

    def _skip_strings(self, key: str, count: int) -> None:
        cur, cap = self.cur, self.ctx.limits.max_gguf_string
        done = 0
        while done < count:
            self.ctx.check_time()
            batch = min(count - done, 1 << 18)
            walked = cur.skip_strings(batch, cap)
            done += walked
            if walked < batch:  # one string above the cap: note it, step over it
                start = cur.pos
                n = cur.string_length("array string")
                self.report(
                    "limits.resource",
                    f"a string in array {key[:120]!r} is {n} bytes,"
                    " above the limit; it was not inspected",
                    offset=start,
                    resource="GGUF string",
                    limit=cap,
                )
                cur.skip(n, "array string")
                done += 1

    def _scan_strings(self, key: str, begin: int, end: int) -> None:
        """Look into a string array for payloads: a fast test over its raw bytes, then
        only strings in the regions it flags are decoded and inspected one by one."""
        regions: list[tuple[int, int]] = []
        pos = begin
        while pos < end:
            self.ctx.check_time()
            chunk = self.source.read_at(pos, min(_SCAN_CHUNK + _SCAN_OVERLAP, end - pos))
            if metadata_values.suspect(chunk):
                for piece in range(0, len(chunk), _SCAN_PIECE):
                    if metadata_values.suspect(chunk[piece : piece + _SCAN_PIECE + _SCAN_OVERLAP]):
                        regions.append((pos + piece, pos + piece + _SCAN_PIECE + _SCAN_OVERLAP))
            pos += _SCAN_CHUNK
        if regions:
            self._inspect_strings(key, begin, end, regions)

    def _inspect_strings(
        self, key: str, begin: int, end: int, regions: list[tuple[int, int]]
    ) -> None:
        walker = Cursor(self.source, begin, big_endian=self.st.big_endian, wide=self.cur.wide)
        index, inspected = 0, 0
        while walker.pos < end and index < len(regions):
            if inspected % 4096 == 0:
                self.ctx.check_time()
            start = walker.pos
            stop = start + walker.len_size + walker.length()
            while index < len(regions) and regions[index][1] <= start:
                index += 1
            if index < len(regions) and regions[index][0] < stop:
                raw = walker.take(min(stop - walker.pos, hidden_bytes.NESTED_ANALYSIS_BYTES))
                if metadata_values.suspect(raw):
                    inspected += 1
                    if inspected > _MAX_SUSPECT_STRINGS:
                        self.report(
                            "limits.resource",
                            f"more than {_MAX_SUSPECT_STRINGS} "
                            f"strings of array {key[:120]!r} look like payloads; the "
                            "rest were not inspected",
                            offset=start,
                            resource="GGUF suspect strings",
                            limit=_MAX_SUSPECT_STRINGS,
                        )
                        return
                    self._payload(raw, f"metadata {key[:120]!r} item at byte {start}", start)
            walker.pos = stop

    def _check_alignment(self) -> None:
        entry = self.st.kv.get("general.alignment")
        if entry is None:
            return
        vtype, value = entry
        if vtype == t.UINT32 and isinstance(value, int) and value > 0 and value & (value - 1) == 0:
            self.st.alignment = value
            return
        self.report(
            "gguf.alignment.invalid",
            f"general.alignment is {t.VALUE_TYPE_NAMES.get(vtype, vtype)} {value!r}, "
            "not a u32 power of two",
            offset=None,
            value=str(value)[:40],
            value_type=t.VALUE_TYPE_NAMES.get(vtype, str(vtype)),
        )

    def _tensor_infos(self) -> None:
        cur, st = self.cur, self.st
        names: set[str] = set()
        for index in range(st.tensor_count):
            if index % 1024 == 0:
                self.ctx.check_time()
            start = cur.pos
            name = self._tensor_name(start)
            n_dims = cur.u32()
            dims: tuple[int, ...] = ()
            valid = True
            if n_dims > t.MAX_DIMS:
                self.report(
                    "gguf.tensor.dims",
                    f"tensor {name!r} has {n_dims} dimensions (ggml has {t.MAX_DIMS})",
                    offset=start,
                    tensor=name,
                    n_dims=n_dims,
                )
                cur.skip(n_dims * cur.len_size, "dimensions")
                valid = False
            else:
                dims = tuple(cur.length() for _ in range(n_dims))
            type_id = cur.u32()
            offset = cur.u64()
            nbytes = self._tensor_size(name, dims, type_id, start) if valid else None
            if name in names:
                self.report(
                    "gguf.tensor.duplicate",
                    f"tensor name {name!r} appears twice",
                    offset=start,
                    tensor=name,
                )
            names.add(name)
            st.tensors.append(_Tensor(name, type_id, dims, offset, nbytes, start))
        st.infos_end = cur.pos
        st.data_start = _align(cur.pos, st.alignment)

    def _tensor_name(self, start: int) -> str:
        cur = self.cur
        n = cur.string_length("tensor name")
        raw = cur.take(min(n, 256))
        cur.skip(n - len(raw), "tensor name")
        name = raw.decode("utf-8", "backslashreplace")
        if n >= t.MAX_NAME:
            self.report(
                "gguf.tensor.invalid",
                f"tensor name of {n} bytes (ggml allows {t.MAX_NAME - 1})",
                offset=start,
                tensor=name[:120],
                length=n,
            )
        return name[:120]

    def _tensor_size(
        self, name: str, dims: tuple[int, ...], type_id: int, start: int
    ) -> int | None:
        elements = 1
        for d in dims:
            elements *= d
        if any(d > t.INT64_MAX for d in dims) or elements > t.INT64_MAX:
            self.report(
                "gguf.tensor.dims",
                f"tensor {name!r} dimensions {list(dims)} overflow 64-bit element counts",
                offset=start,
                tensor=name,
                dims=[str(d) for d in dims],
            )
            return None
        gtype = t.GGML_TYPES.get(type_id)
        if gtype is None:
            self.report(
                "gguf.tensor.invalid",
                f"tensor {name!r} has unknown ggml type {type_id}",
                offset=start,
                tensor=name,
                type=type_id,
            )
            return None
        ne0 = dims[0] if dims else 1
        if ne0 % gtype.block:
            self.report(
                "gguf.tensor.invalid",
                f"tensor {name!r}: first dimension {ne0} is not a "
                f"multiple of the {gtype.name} block size {gtype.block}",
                offset=start,
                tensor=name,
                type=gtype.name,
                ne0=ne0,
            )
            return None
        nbytes = elements // gtype.block * gtype.size
        if nbytes > t.INT64_MAX:
            self.report(
                "gguf.tensor.dims",
                f"tensor {name!r} byte size overflows 64 bits",
                offset=start,
                tensor=name,
            )
            return None
        return nbytes

    # -- data area -----------------------------------------------------------------------
    def _layout(self) -> None:
        st = self.st
        assert st.data_start is not None
        align = st.alignment
        data_size = self.source.size - st.data_start
        sized = [x for x in st.tensors if x.nbytes is not None]
        for x in sized:
            if x.offset % align:
                self.report(
                    "gguf.tensor.offset",
                    f"tensor {x.name!r} offset {x.offset} is not "
                    f"a multiple of the alignment {align}",
                    offset=x.info_offset,
                    tensor=x.name,
                    tensor_offset=x.offset,
                    alignment=align,
                )
        sized.sort(key=lambda x: x.offset)
        raw_end = 0  # furthest tensor end so far; padding up to the alignment is expected
        holes: list[tuple[int, int]] = []
        paddings: list[tuple[int, int]] = [(st.infos_end - st.data_start, 0)]
        previous: _Tensor | None = None
        for x in sized:
            assert x.nbytes is not None
            end = x.offset + x.nbytes
            if end > data_size:
                self.report(
                    "gguf.tensor.offset",
                    f"tensor {x.name!r} data [{x.offset}, {end}) "
                    f"runs past the end of the file ({max(data_size, 0)} data bytes)",
                    offset=x.info_offset,
                    tensor=x.name,
                    end=end,
                    data_size=data_size,
                )
            if x.nbytes and x.offset < raw_end:
                other = previous.name if previous else "?"
                self.report(
                    "gguf.tensor.offset",
                    f"tensor {x.name!r} overlaps {other!r}",
                    offset=x.info_offset,
                    tensor=x.name,
                    other=other,
                )
            elif x.offset > _align(raw_end, align):
                holes.append((_align(raw_end, align), min(x.offset, max(data_size, 0))))
            if end > raw_end:
                raw_end, previous = end, x
                if len(paddings) < _MAX_PADDING_CHECKS:
                    paddings.append((end, _align(end, align)))
                elif len(paddings) == _MAX_PADDING_CHECKS:
                    paddings.append((end, end))  # marks the cap, checks nothing
                    self.report(
                        "limits.resource",
                        f"alignment padding after more than "
                        f"{_MAX_PADDING_CHECKS} tensors was not checked",
                        offset=x.info_offset,
                        resource="GGUF padding checks",
                        limit=_MAX_PADDING_CHECKS,
                    )
        tail = _align(raw_end, align)
        if data_size > tail:
            holes.append((tail, data_size))
        holes = [(b, e) for b, e in holes if e > b]
        self._check_padding(paddings, data_size)
        # Every region is looked into (their sizes add up to at most the file); only the
        # findings are capped, so a payload in the thousandth hole still counts.
        regions = self.ctx.capped(
            self.ctx.limits.max_hidden_region_findings,
            summary="{more} more uncovered regions",
            summary_offset=st.data_start,
        )
        with regions:
            for begin, end in holes:
                self.ctx.check_time()  # a region of zeros is read through (ZERO_SCAN_BYTES)
                what = "trailing data" if end == data_size else "hole"
                self._hidden(st.data_start + begin, end - begin, what, regions)

    def _check_padding(self, paddings: list[tuple[int, int]], data_size: int) -> None:
        """Alignment padding must be zeros: a large ``general.alignment`` is room to hide."""
        assert self.st.data_start is not None
        for begin, end in paddings:
            end = min(end, data_size)
            if end - begin < _MIN_PADDING_CHECK:
                continue
            pos = self.st.data_start + begin
            if hidden_bytes.peek(self.source, pos, end - begin).kind != "zeros":
                self._hidden(pos, end - begin, "padding")

    def _hidden(self, pos: int, size: int, what: str, report: RuleCaps | None = None) -> None:
        """Report an uncovered region (through ``report``, the parser's caps by default)."""
        report = report or self.caps
        contents = hidden_bytes.peek(self.source, pos, size)
        report(
            "gguf.data.hidden",
            f"{what}: {size} bytes at {pos} belong to no tensor ({contents.kind})",
            offset=pos,
            evidence={"bytes": size, "contents": contents.kind, "region": what},
        )
        if contents.dangerous:
            excerpt = self.source.read_at(pos, 120).decode("utf-8", "backslashreplace")[:120]
            report(
                "gguf.hidden.payload",
                f"{what} at {pos} contains {contents.kind} content",
                offset=pos,
                evidence={
                    "bytes": size,
                    "contents": contents.kind,
                    "excerpt": excerpt,
                },
            )
        if contents.looks_like_something:
            hidden_bytes.analyze_region(
                self.source, self.ctx, pos, size, f"<{what.replace(' ', '-')}@{pos}>"
            )

    # -- summary -------------------------------------------------------------------------
    def summarise(self) -> None:
        st = self.st
        self.caps.close()
        if not st.version:
            return
        kv = st.kv
        arch = _scalar(kv, "general.architecture")
        tokens = kv.get("tokenizer.ggml.tokens", (None, None))[1]
        types: Counter[str] = Counter()
        parameters = 0
        for x in st.tensors:
            gtype = t.GGML_TYPES.get(x.type_id)
            types[gtype.name if gtype else f"unknown({x.type_id})"] += 1
            n = 1
            for d in x.dims:
                n *= d
            parameters += n
        self.ctx.note(
            "gguf",
            {
                "version": st.version,
                "byte_order": "big" if st.big_endian else "little",
                "kv_count": st.kv_count,
                "tensor_count": st.tensor_count,
                "architecture": arch,
                "name": _scalar(kv, "general.name"),
                "parameters": parameters,
                "tensor_types": dict(sorted(types.items())),
                "context_length": _scalar(kv, f"{arch}.context_length") if arch else None,
                "vocab_size": tokens.count if isinstance(tokens, ArrayValue) else None,
                "tokenizer": _scalar(kv, "tokenizer.ggml.model"),
                "chat_templates": st.templates[:50],
                "alignment": st.alignment,
            },
        )


def _is_template_key(key: str) -> bool:
    return key == _TEMPLATE_KEY or key.startswith(_TEMPLATE_KEY + ".")


def _align(n: int, alignment: int) -> int:
    return -(-n // alignment) * alignment


def _scalar(kv: dict[str, tuple[int, Any]], key: str) -> Any:
    value = kv.get(key, (None, None))[1]
    if isinstance(value, str):
        return value[:120]
    return value if isinstance(value, int | float) else None
