"""A strict safetensors validator: reads only the header, never the tensor data.

Layout (https://github.com/huggingface/safetensors#format)::

    u64 LE  n            header length
    n bytes JSON object  {"name": {"dtype", "shape", "data_offsets": [b, e]}, "__metadata__": {}}
                         followed only by space padding
    data                 tensors, contiguous from 0, ending exactly at end of file

Every rule the reference loader (``tensor.rs::read_metadata`` and ``validate``) enforces
is checked here and reported as a finding instead of raising; bytes no tensor covers
are looked into (``uncovered``).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from scanner.context import ScanContext
from scanner.safetensors import uncovered
from scanner.source import Source

# Bits per element of every dtype the reference implementation knows (safetensors 0.6+).
DTYPE_BITS: dict[str, int] = {
    "BOOL": 8, "U8": 8, "I8": 8,
    "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
    "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8,
    "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
    "I32": 32, "U32": 32, "F32": 32,
    "I64": 64, "U64": 64, "F64": 64, "C64": 64,
}
_U64 = 1 << 64
_TENSOR_FIELDS = frozenset({"dtype", "shape", "data_offsets"})
_MAX_HOLE_FINDINGS = 20  # individual findings for uncovered regions; the rest are counted
_MAX_ENTRY_FINDINGS = 50  # per-tensor findings of one kind before summarising
_EXCERPT = 120


@dataclass(frozen=True)
class _Span:
    name: str
    begin: int
    end: int


class _DuplicateKeys:
    """``object_pairs_hook`` that remembers duplicate keys instead of silently dropping them."""

    def __init__(self) -> None:
        self.duplicates: list[str] = []

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen and len(self.duplicates) < _MAX_ENTRY_FINDINGS:
                    self.duplicates.append(key)
                seen.add(key)
        return result


def _reject_constant(name: str) -> None:
    # NaN / Infinity are Python extensions to JSON; the reference parser rejects them.
    raise ValueError(f"non-standard JSON constant {name}")


def analyze_safetensors(source: Source, ctx: ScanContext) -> None:
    """Validate a safetensors file's header and layout; add a summary to the report."""
    size = source.size
    if size < 8:
        ctx.report("safetensors.header.length", f"file of {size} bytes has no 8-byte header length",
                   offset=0, evidence={"file_size": size})
        return
    n = int.from_bytes(source.read_at(0, 8), "little")
    cap = min(ctx.limits.max_safetensors_header, 100_000_000)
    if n > cap:
        ctx.report("safetensors.header.too-large",
                   f"header length {n} is above the cap of {cap} bytes; header not read",
                   offset=0, evidence={"header_length": n, "cap": cap})
        if n > size - 8:
            ctx.report("safetensors.header.length",
                       f"header length {n} runs past the end of the file ({size} bytes)",
                       offset=0, evidence={"header_length": n, "file_size": size})
        return
    if n < 2 or n > size - 8:
        ctx.report("safetensors.header.length",
                   f"header length {n} is impossible for a file of {size} bytes",
                   offset=0, evidence={"header_length": n, "file_size": size})
        return
    raw = source.read_at(8, n)
    header = _parse_header(raw, source, ctx)
    if header is None:
        return
    ctx.check_time()
    _validate(header, source, ctx, data_start=8 + n)


def _parse_header(raw: bytes, source: Source, ctx: ScanContext) -> dict[str, Any] | None:
    """The header object, or None after reporting why it cannot be read."""
    if raw[:1] != b"{":
        ctx.report("safetensors.header.not-json", "header does not start with '{'", offset=8,
                   evidence={"excerpt": _excerpt(raw)})
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = raw[: exc.start].decode("utf-8")
        # A JSON object followed by binary junk is a padding problem, not an encoding one.
        if _decode_object(text, _DuplicateKeys()) is None:
            ctx.report("safetensors.header.not-utf8",
                       f"header is not UTF-8 (invalid byte at header offset {exc.start})",
                       offset=8 + exc.start, evidence={"excerpt": _excerpt(raw[exc.start:])})
            return None
    dups = _DuplicateKeys()
    decoded = _decode_object(text, dups)
    if decoded is None:
        ctx.report("safetensors.header.not-json", "header is not a valid JSON object",
                   offset=8, evidence={"excerpt": _excerpt(raw)})
        return None
    obj, end_char = decoded
    end_byte = len(raw) if end_char == len(raw) else len(text[:end_char].encode("utf-8"))
    rest = raw[end_byte:]
    if rest.strip(b" "):
        pos = 8 + end_byte
        contents = uncovered.classify(rest[: uncovered.PEEK_BYTES])
        ctx.report("safetensors.header.padding",
                   f"header JSON is followed by {len(rest)} bytes that are not space padding "
                   f"({contents.kind})", offset=pos,
                   evidence={"bytes": len(rest), "contents": contents.kind,
                             "excerpt": _excerpt(rest)})
        _payload(source, ctx, pos, len(rest), contents, "header padding")
    for key in dups.duplicates:
        ctx.report("safetensors.header.duplicate-key",
                   f"key {key[:_EXCERPT]!r} appears more than once", offset=8,
                   evidence={"key": key[:_EXCERPT]})
    return obj


def _decode_object(text: str, hook: _DuplicateKeys) -> tuple[dict[str, Any], int] | None:
    decoder = json.JSONDecoder(object_pairs_hook=hook, parse_constant=_reject_constant)
    try:
        obj, end = decoder.raw_decode(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    return obj, end


def _validate(header: dict[str, Any], source: Source, ctx: ScanContext, *, data_start: int) -> None:
    counts: Counter[str] = Counter()  # findings per rule, to keep per-tensor noise bounded
    spans: list[_Span] = []
    dtypes: Counter[str] = Counter()
    parameters = 0

    def report(rule_id: str, message: str, **evidence: Any) -> None:
        counts[rule_id] += 1
        if counts[rule_id] <= _MAX_ENTRY_FINDINGS:
            ctx.report(rule_id, message, offset=8, evidence=evidence)

    metadata = header.get("__metadata__")
    if "__metadata__" in header:
        _check_metadata(metadata, report)
    for index, (name, info) in enumerate(header.items()):
        if name == "__metadata__":
            continue
        if index % 4096 == 0:
            ctx.check_time()
        tensor = _check_tensor(name, info, report)
        if tensor is None:
            continue
        dtype, elements, span = tensor
        dtypes[dtype] += 1
        parameters += elements
        if span is not None:
            spans.append(span)
    for rule_id, count in counts.items():
        if count > _MAX_ENTRY_FINDINGS:
            ctx.report(rule_id, f"{count - _MAX_ENTRY_FINDINGS} more tensors break this rule",
                       offset=8, evidence={"more": count - _MAX_ENTRY_FINDINGS})
    data_size = source.size - data_start
    covered = _check_layout(spans, source, ctx, data_start=data_start, data_size=data_size)
    ctx.note("safetensors", {
        "tensors": sum(dtypes.values()),
        "parameters": parameters,
        "dtypes": dict(sorted(dtypes.items())),
        "header_bytes": data_start - 8,
        "data_bytes": covered,
        "metadata_keys": sorted(metadata)[:50] if isinstance(metadata, dict) else [],
    })


def _check_metadata(metadata: Any, report: Any) -> None:
    if not isinstance(metadata, dict):
        report("safetensors.metadata.invalid",
               f"__metadata__ is a {type(metadata).__name__}, not an object",
               excerpt=_excerpt(json.dumps(metadata)))
        return
    for key, value in metadata.items():
        if not isinstance(value, str):
            report("safetensors.metadata.invalid",
                   f"__metadata__[{key[:_EXCERPT]!r}] is a {type(value).__name__}, not a string",
                   key=key[:_EXCERPT])


def _check_tensor(name: str, info: Any, report: Any) -> tuple[str, int, _Span | None] | None:
    """(dtype, element count, byte span) of a well-formed entry; None after a finding."""
    short = name[:_EXCERPT]
    if not isinstance(info, dict) or set(info) != _TENSOR_FIELDS:
        fields = sorted(info)[:10] if isinstance(info, dict) else type(info).__name__
        report("safetensors.tensor.invalid",
               f"tensor {short!r} is not an object with exactly dtype, shape and data_offsets",
               tensor=short, fields=fields)
        return None
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    bits = DTYPE_BITS.get(dtype) if isinstance(dtype, str) else None
    if bits is None:
        report("safetensors.tensor.dtype",
               f"tensor {short!r} has unknown dtype {str(dtype)[:40]!r}", tensor=short,
               dtype=str(dtype)[:40])
    if not isinstance(shape, list) or not all(_is_uint(d) for d in shape):
        report("safetensors.tensor.shape",
               f"tensor {short!r} shape is not a list of non-negative integers",
               tensor=short, shape=_excerpt(json.dumps(shape)))
        return None
    span = _check_offsets(short, offsets, report)
    elements = 1
    for d in shape:
        elements *= d
    if bits is None:
        return None
    nbits = elements * bits
    if elements >= _U64 or nbits >= _U64 * 8:
        report("safetensors.tensor.overflow",
               f"tensor {short!r}: {elements} elements of {dtype} overflow 64-bit size arithmetic",
               tensor=short, shape=shape[:8])
        return dtype, elements, span
    if nbits % 8:
        report("safetensors.tensor.size",
               f"tensor {short!r}: {elements} x {bits}-bit elements do not fill whole bytes",
               tensor=short, bits=nbits)
    elif span is not None and span.end - span.begin != nbits // 8:
        report("safetensors.tensor.size",
               f"tensor {short!r}: span of {span.end - span.begin} bytes, shape and dtype "
               f"need {nbits // 8}", tensor=short, span=[span.begin, span.end],
               expected=nbits // 8)
    return dtype, elements, span


def _check_offsets(name: str, offsets: Any, report: Any) -> _Span | None:
    if (isinstance(offsets, list) and len(offsets) == 2 and all(_is_uint(o) for o in offsets)
            and offsets[0] <= offsets[1] and offsets[1] < _U64):
        return _Span(name, offsets[0], offsets[1])
    report("safetensors.offsets.invalid",
           f"tensor {name!r} data_offsets is not [begin, end] with 0 <= begin <= end < 2^64",
           tensor=name, data_offsets=_excerpt(json.dumps(offsets)))
    return None


def _check_layout(spans: list[_Span], source: Source, ctx: ScanContext, *,
                  data_start: int, data_size: int) -> int:
    """Spans must tile [0, data_size) exactly. Returns the bytes the tensors cover."""
    spans.sort(key=lambda s: (s.begin, s.end))
    cursor = 0
    holes: list[tuple[int, int]] = []
    overlaps = 0
    previous: _Span | None = None
    for span in spans:
        if span.begin > cursor:
            holes.append((cursor, span.begin))
        elif span.begin < cursor and span.end > span.begin:
            overlaps += 1
            if overlaps <= _MAX_ENTRY_FINDINGS:
                other = previous.name if previous else "?"
                ctx.report("safetensors.offsets.overlap",
                           f"tensor {span.name!r} [{span.begin}, {span.end}) overlaps {other!r}",
                           offset=data_start + span.begin,
                           evidence={"tensor": span.name, "other": other,
                                     "span": [span.begin, span.end]})
        if span.end > cursor:
            cursor, previous = span.end, span
    if overlaps > _MAX_ENTRY_FINDINGS:
        ctx.report("safetensors.offsets.overlap", f"{overlaps} overlapping tensors in all",
                   offset=data_start, evidence={"overlaps": overlaps})
    if cursor > data_size:
        ctx.report("safetensors.data.truncated",
                   f"tensor data ends at {cursor} but the data area holds only {data_size} bytes",
                   offset=data_start, evidence={"data_end": cursor, "data_size": data_size})
    elif cursor < data_size:
        holes.append((cursor, data_size))
    for index, (begin, end) in enumerate(holes):
        if index < _MAX_HOLE_FINDINGS:
            trailing = end == data_size and begin == cursor
            _report_hidden(source, ctx, data_start + begin, end - begin,
                           "trailing data" if trailing else "hole")
    if len(holes) > _MAX_HOLE_FINDINGS:
        ctx.report("safetensors.data.hidden",
                   f"{len(holes) - _MAX_HOLE_FINDINGS} more uncovered regions",
                   offset=data_start, evidence={"more": len(holes) - _MAX_HOLE_FINDINGS})
    return sum(s.end - s.begin for s in spans)


def _report_hidden(source: Source, ctx: ScanContext, pos: int, size: int, what: str) -> None:
    contents = uncovered.peek(source, pos, size)
    ctx.report("safetensors.data.hidden",
               f"{what}: {size} bytes at {pos} belong to no tensor ({contents.kind})",
               offset=pos, evidence={"bytes": size, "contents": contents.kind, "region": what})
    _payload(source, ctx, pos, size, contents, what)


def _payload(source: Source, ctx: ScanContext, pos: int, size: int,
             contents: uncovered.Contents, what: str) -> None:
    if contents.dangerous:
        ctx.report("safetensors.hidden.payload",
                   f"{what} at {pos} contains {contents.kind} content", offset=pos,
                   evidence={"bytes": size, "contents": contents.kind,
                             "excerpt": _excerpt(source.read_at(pos, _EXCERPT))})
    if contents.looks_like_something:
        uncovered.analyze_region(source, ctx, pos, size, f"<{what.replace(' ', '-')}@{pos}>")


def _is_uint(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _excerpt(data: bytes | str) -> str:
    if isinstance(data, bytes):
        data = data[:_EXCERPT].decode("utf-8", "backslashreplace")
    return data[:_EXCERPT]
