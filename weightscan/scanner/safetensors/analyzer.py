"""A strict safetensors validator: reads only the header, never the tensor data.

Layout (https://github.com/huggingface/safetensors#format)::

    u64 LE  n            header length
    n bytes JSON object  {"name": {"dtype", "shape", "data_offsets": [b, e]}, "__metadata__": {}}
                         followed only by space padding
    data                 tensors, contiguous from 0, ending exactly at end of file

Every rule the reference loader (``tensor.rs::read_metadata`` and ``validate``) enforces
is checked here and reported as a finding instead of raising; bytes no tensor covers
are looked into (``hidden_bytes``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from weightscan.scanner import hidden_bytes
from weightscan.scanner.context import ScanContext
from weightscan.scanner.finding_caps import RuleCaps
from weightscan.scanner.safetensors import metadata_values
from weightscan.scanner.source import Source

# Bits per element of every dtype the reference implementation knows (safetensors 0.6+).
DTYPE_BITS: dict[str, int] = {
    "BOOL": 8,
    "U8": 8,
    "I8": 8,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "F8_E4M3FNUZ": 8,
    "F8_E5M2FNUZ": 8,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "I64": 64,
    "U64": 64,
    "F64": 64,
    "C64": 64,
}
_U64 = 1 << 64
_TENSOR_FIELDS = frozenset({"dtype", "shape", "data_offsets"})
_EXCERPT = 120
# JSON values (about commas + 1) decoded at most: a real 10,000-tensor header holds ~60k;
# 2 M values keep the decoded header near 100 MB of Python objects even when hostile.
MAX_JSON_VALUES = 2_000_000


_JSONObject = tuple[tuple[str, Any], ...]  # how objects decode: pairs, duplicates kept
_INT = frozenset({int})
_Span = tuple[int, int, str]  # (begin, end, tensor name)
Report = Callable[..., None]  # ScanContext.report, or RuleCaps


def _reject_constant(name: str) -> None:
    # NaN / Infinity are Python extensions to JSON; the reference parser rejects them.
    raise ValueError(f"non-standard JSON constant {name}")


# Objects decode to tuples of pairs: ``tuple`` is a C-level hook (fast on 10,000-tensor
# headers), keeps duplicate keys visible, and tells objects apart from arrays (lists).
_DECODER = json.JSONDecoder(object_pairs_hook=tuple, parse_constant=_reject_constant)


def analyze_safetensors(source: Source, ctx: ScanContext) -> None:
    """Validate a safetensors file's header and layout; add a summary to the report."""
    size = source.size
    if size < 8:
        ctx.report(
            "safetensors.header.length",
            f"file of {size} bytes has no 8-byte header length",
            offset=0,
            evidence={"file_size": size},
        )
        return
    n = int.from_bytes(source.read_at(0, 8), "little")
    cap = min(ctx.limits.max_safetensors_header, 100_000_000)
    if n > cap:
        ctx.report(
            "safetensors.header.too-large",
            f"header length {n} is above the cap of {cap} bytes; header not read",
            offset=0,
            evidence={"header_length": n, "cap": cap},
        )
        if n > size - 8:
            ctx.report(
                "safetensors.header.length",
                f"header length {n} runs past the end of the file ({size} bytes)",
                offset=0,
                evidence={"header_length": n, "file_size": size},
            )
        return
    if n < 2 or n > size - 8:
        ctx.report(
            "safetensors.header.length",
            f"header length {n} is impossible for a file of {size} bytes",
            offset=0,
            evidence={"header_length": n, "file_size": size},
        )
        return
    raw = source.read_at(8, n)
    values = raw.count(b",") + 1
    if values > MAX_JSON_VALUES:
        ctx.report(
            "limits.resource",
            f"header holds about {values} JSON values, above the "
            f"limit of {MAX_JSON_VALUES}; header not decoded",
            offset=8,
            evidence={"resource": "safetensors header values", "limit": MAX_JSON_VALUES},
        )
        return
    pairs = _parse_header(raw, source, ctx)
    if pairs is None:
        return
    ctx.check_time()
    _validate(pairs, source, ctx, data_start=8 + n)


def _parse_header(raw: bytes, source: Source, ctx: ScanContext) -> _JSONObject | None:
    """The header object's pairs, or None after reporting why it cannot be read."""
    if raw[:1] != b"{":
        ctx.report(
            "safetensors.header.not-json",
            "header does not start with '{'",
            offset=8,
            evidence={"excerpt": _excerpt(raw)},
        )
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = raw[: exc.start].decode("utf-8")
        # A JSON object followed by binary junk is a padding problem, not an encoding one.
        if _decode_object(text) is None:
            ctx.report(
                "safetensors.header.not-utf8",
                f"header is not UTF-8 (invalid byte at header offset {exc.start})",
                offset=8 + exc.start,
                evidence={"excerpt": _excerpt(raw[exc.start :])},
            )
            return None
    decoded = _decode_object(text)
    if decoded is None:
        ctx.report(
            "safetensors.header.not-json",
            "header is not a valid JSON object",
            offset=8,
            evidence={"excerpt": _excerpt(raw)},
        )
        return None
    pairs, end_char = decoded
    end_byte = len(raw) if end_char == len(raw) else len(text[:end_char].encode("utf-8"))
    rest = raw[end_byte:]
    if rest.strip(b" "):
        pos = 8 + end_byte
        contents = hidden_bytes.classify(rest[: hidden_bytes.PEEK_BYTES])
        ctx.report(
            "safetensors.header.padding",
            f"header JSON is followed by {len(rest)} bytes that are not space padding "
            f"({contents.kind})",
            offset=pos,
            evidence={"bytes": len(rest), "contents": contents.kind, "excerpt": _excerpt(rest)},
        )
        _payload(source, ctx, ctx.report, pos, len(rest), contents, "header padding")
    return pairs


def _decode_object(text: str) -> tuple[_JSONObject, int] | None:
    try:
        obj, end = _DECODER.raw_decode(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, tuple):
        return None
    return obj, end


class _Reporter:
    """Header findings (at offset 8), capped per rule: one broken rule repeated 10,000
    times stays readable."""

    def __init__(self, caps: RuleCaps) -> None:
        self.caps = caps

    def __call__(self, rule_id: str, message: str, **evidence: Any) -> None:
        self.caps(rule_id, message, offset=8, evidence=evidence)


def _as_object(value: Any, where: str, report: _Reporter) -> dict[str, Any] | None:
    """A decoded JSON object as a dict (duplicate keys reported), or None if not an object."""
    if type(value) is not tuple:
        return None
    result = dict(value)
    if len(result) != len(value):
        seen: set[str] = set()
        for key, _ in value:
            if key in seen:
                report(
                    "safetensors.header.duplicate-key",
                    f"key {key[:_EXCERPT]!r} appears more than once in {where}",
                    key=key[:_EXCERPT],
                    where=where[:_EXCERPT],
                )
            seen.add(key)
    return result


def _validate(pairs: _JSONObject, source: Source, ctx: ScanContext, *, data_start: int) -> None:
    spans: list[_Span] = []
    dtypes: dict[str, int] = {}
    parameters = 0
    metadata = None
    with _capped(ctx, "tensors break this rule", 8) as caps:
        report = _Reporter(caps)
        header = _as_object(pairs, "the header", report)
        assert header is not None
        if "__metadata__" in header:
            metadata = _as_object(header["__metadata__"], "__metadata__", report)
            _check_metadata(metadata, header["__metadata__"], report, ctx)
        for index, (name, value) in enumerate(header.items()):
            if name == "__metadata__":
                continue
            if index % 4096 == 0:
                ctx.check_time()
            fast = _well_formed(value)
            if fast is not None:  # the common case, checked with C-level operations only
                dtype, elements, begin, end = fast
                spans.append((begin, end, name))
            else:
                tensor = _check_tensor(name, value, report)
                if tensor is None:
                    continue
                dtype, elements, span = tensor
                if span is not None:
                    spans.append(span)
            dtypes[dtype] = dtypes.get(dtype, 0) + 1
            parameters += elements
    data_size = source.size - data_start
    covered = _check_layout(spans, source, ctx, data_start=data_start, data_size=data_size)
    ctx.note(
        "safetensors",
        {
            "tensors": sum(dtypes.values()),
            "parameters": parameters,
            "dtypes": dict(sorted(dtypes.items())),
            "header_bytes": data_start - 8,
            "data_bytes": covered,
            "metadata_keys": sorted(metadata)[:50] if metadata is not None else [],
        },
    )


def _capped(ctx: ScanContext, what: str, offset: int) -> RuleCaps:
    return ctx.capped(
        ctx.limits.max_findings_per_rule, summary="{more} more " + what, summary_offset=offset
    )


def _well_formed(value: Any) -> tuple[str, int, int, int] | None:
    """(dtype, elements, begin, end) when the entry passes every check, else None."""
    if type(value) is not tuple or len(value) != 3:
        return None
    (k0, dtype), (k1, shape), (k2, offsets) = value
    if k0 != "dtype" or k1 != "shape" or k2 != "data_offsets":  # another key order
        info = dict(value)
        dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    bits = DTYPE_BITS.get(dtype) if type(dtype) is str else None
    if (
        bits is None
        or type(shape) is not list
        or type(offsets) is not list
        or len(offsets) != 2
        or not _INT.issuperset(map(type, shape))
        or not _INT.issuperset(map(type, offsets))
    ):
        return None
    begin, end = offsets
    if shape and min(shape) < 0:
        return None
    elements = math.prod(shape)
    nbits = elements * bits
    if not 0 <= begin <= end < _U64 or nbits >= _U64 * 8 or nbits % 8 or end - begin != nbits // 8:
        return None
    return dtype, elements, begin, end


def _check_metadata(
    metadata: dict[str, Any] | None, raw: Any, report: _Reporter, ctx: ScanContext
) -> None:
    if metadata is None:
        report(
            "safetensors.metadata.invalid",
            f"__metadata__ is a {_json_type(raw)}, not an object",
            excerpt=_json_excerpt(raw),
        )
        return
    # the raw pairs: a duplicate key's first value is what some readers keep
    for index, (key, value) in enumerate(raw):
        if index % 1024 == 0:
            ctx.check_time()
        if isinstance(value, str):
            metadata_values.inspect_value(
                value.encode("utf-8", "surrogatepass"),
                ctx,
                rule_id="safetensors.metadata.payload",
                where=f"__metadata__[{key[:_EXCERPT]!r}]",
                offset=8,
            )
        else:
            report(
                "safetensors.metadata.invalid",
                f"__metadata__[{key[:_EXCERPT]!r}] is a {_json_type(value)}, not a string",
                key=key[:_EXCERPT],
            )


def _check_tensor(name: str, value: Any, report: _Reporter) -> tuple[str, int, _Span | None] | None:
    """The slow path: say exactly what is wrong with an entry. (dtype, elements, span)."""
    short = name[:_EXCERPT]
    info = _as_object(value, f"tensor {short!r}", report)
    if info is None or set(info) != _TENSOR_FIELDS:
        fields = sorted(info)[:10] if info is not None else _json_type(value)
        report(
            "safetensors.tensor.invalid",
            f"tensor {short!r} is not an object with exactly dtype, shape and data_offsets",
            tensor=short,
            fields=fields,
        )
        return None
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    bits = DTYPE_BITS.get(dtype) if isinstance(dtype, str) else None
    if bits is None:
        report(
            "safetensors.tensor.dtype",
            f"tensor {short!r} has unknown dtype {str(dtype)[:40]!r}",
            tensor=short,
            dtype=str(dtype)[:40],
        )
    if not isinstance(shape, list) or not all(_is_uint(d) for d in shape):
        report(
            "safetensors.tensor.shape",
            f"tensor {short!r} shape is not a list of non-negative integers",
            tensor=short,
            shape=_json_excerpt(shape),
        )
        return None
    span = _check_offsets(name, offsets, report)
    elements = math.prod(shape)
    if bits is None:
        return None
    nbits = elements * bits
    if elements >= _U64 or nbits >= _U64 * 8:
        report(
            "safetensors.tensor.overflow",
            f"tensor {short!r}: {elements} elements of {dtype} overflow 64-bit size arithmetic",
            tensor=short,
            shape=[str(d) for d in shape[:8]],
        )
        return dtype, elements, span
    if nbits % 8:
        report(
            "safetensors.tensor.size",
            f"tensor {short!r}: {elements} x {bits}-bit elements do not fill whole bytes",
            tensor=short,
            bits=nbits,
        )
    elif span is not None and span[1] - span[0] != nbits // 8:
        report(
            "safetensors.tensor.size",
            f"tensor {short!r}: span of {span[1] - span[0]} bytes, shape and dtype "
            f"need {nbits // 8}",
            tensor=short,
            span=[span[0], span[1]],
            expected=nbits // 8,
        )
    return dtype, elements, span


def _check_offsets(name: str, offsets: Any, report: _Reporter) -> _Span | None:
    if (
        isinstance(offsets, list)
        and len(offsets) == 2
        and all(_is_uint(o) for o in offsets)
        and offsets[0] <= offsets[1] < _U64
    ):
        return offsets[0], offsets[1], name
    report(
        "safetensors.offsets.invalid",
        f"tensor {name[:_EXCERPT]!r} data_offsets is not [begin, end] with "
        "0 <= begin <= end < 2^64",
        tensor=name[:_EXCERPT],
        data_offsets=_json_excerpt(offsets),
    )
    return None


def _check_layout(
    spans: list[_Span], source: Source, ctx: ScanContext, *, data_start: int, data_size: int
) -> int:
    """Spans must tile [0, data_size) exactly. Returns the bytes the tensors cover."""
    spans.sort()
    cursor = 0
    holes: list[tuple[int, int]] = []
    previous = "?"
    with _capped(ctx, "overlapping tensors", data_start) as report:
        for begin, end, name in spans:
            if begin > cursor:
                holes.append((cursor, begin))
            elif begin < cursor and end > begin:
                report(
                    "safetensors.offsets.overlap",
                    f"tensor {name[:_EXCERPT]!r} [{begin}, {end}) overlaps {previous[:_EXCERPT]!r}",
                    offset=data_start + begin,
                    evidence={
                        "tensor": name[:_EXCERPT],
                        "other": previous[:_EXCERPT],
                        "span": [begin, end],
                    },
                )
            if end > cursor:
                cursor, previous = end, name
    if cursor > data_size:
        ctx.report(
            "safetensors.data.truncated",
            f"tensor data ends at {cursor} but the data area holds only {data_size} bytes",
            offset=data_start,
            evidence={"data_end": cursor, "data_size": data_size},
        )
    elif cursor < data_size:
        holes.append((cursor, data_size))
    # Every region is looked into (their sizes add up to at most the file); only the
    # findings are capped, so a payload in the thousandth hole still counts.
    regions = ctx.capped(
        ctx.limits.max_hidden_region_findings,
        summary="{more} more uncovered regions",
        summary_offset=data_start,
    )
    with regions:
        for begin, end in holes:
            ctx.check_time()  # a region of zeros is read through (up to ZERO_SCAN_BYTES)
            trailing = end == data_size and begin == cursor
            _report_hidden(
                source,
                ctx,
                regions,
                data_start + begin,
                end - begin,
                "trailing data" if trailing else "hole",
            )
    return sum(end - begin for begin, end, _ in spans)


def _report_hidden(
    source: Source, ctx: ScanContext, report: RuleCaps, pos: int, size: int, what: str
) -> None:
    contents = hidden_bytes.peek(source, pos, size)
    report(
        "safetensors.data.hidden",
        f"{what}: {size} bytes at {pos} belong to no tensor ({contents.kind})",
        offset=pos,
        evidence={"bytes": size, "contents": contents.kind, "region": what},
    )
    _payload(source, ctx, report, pos, size, contents, what)


def _payload(
    source: Source,
    ctx: ScanContext,
    report: Report,
    pos: int,
    size: int,
    contents: hidden_bytes.Contents,
    what: str,
) -> None:
    if contents.dangerous:
        report(
            "safetensors.hidden.payload",
            f"{what} at {pos} contains {contents.kind} content",
            offset=pos,
            evidence={
                "bytes": size,
                "contents": contents.kind,
                "excerpt": _excerpt(source.read_at(pos, _EXCERPT)),
            },
        )
    if contents.looks_like_something:
        hidden_bytes.analyze_region(source, ctx, pos, size, f"<{what.replace(' ', '-')}@{pos}>")


def _is_uint(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _json_excerpt(value: Any) -> str:
    """A short rendering of a decoded JSON value, without serialising a huge one."""
    if isinstance(value, list | tuple) and len(value) > 16:
        return _excerpt(json.dumps(value[:16])[:-1] + f", ... ({len(value)} items)]")
    try:
        return _excerpt(json.dumps(value))
    except (ValueError, RecursionError):
        return _json_type(value)


def _json_type(value: Any) -> str:
    return {
        tuple: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _excerpt(data: bytes | str) -> str:
    if isinstance(data, bytes):
        data = data[:_EXCERPT].decode("utf-8", "backslashreplace")
    return data[:_EXCERPT]
