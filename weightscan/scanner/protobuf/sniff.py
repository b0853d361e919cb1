"""Which protobuf model format a file holds, judged from the field numbers and wire types
of its top-level message (protobuf has no magic number).

Each format is recognised only when every top-level field seen belongs to its root
message with the right wire type, and the fields that make it what it is are there: an
ONNX ModelProto has an ``ir_version`` and a graph or functions. Anything else stays
unknown, which is never clean.
"""

from __future__ import annotations

from weightscan.scanner.formats import Format
from weightscan.scanner.protobuf.wire import LEN, VARINT, Field, WireReader
from weightscan.scanner.source import Source

_TOP_FIELDS = 4096  # top-level fields looked at: real models have a handful

# ModelProto (onnx.proto): field -> wire type
_ONNX = {1: VARINT, 2: LEN, 3: LEN, 4: LEN, 5: VARINT, 6: LEN, 7: LEN, 8: LEN, 14: LEN,
         20: LEN, 25: LEN, 26: LEN}


def model_protobuf_format(source: Source) -> Format | None:
    """The protobuf model format of ``source``, or None."""
    if source.size < 2 or source.head(1)[0] not in (0x08, 0x0A, 0x12, 0x1A, 0x3A):
        return None
    reader = WireReader(source, max_fields=_TOP_FIELDS * 4)
    top, _ = reader.tags(0, source.size, _TOP_FIELDS)
    if not top:
        return None
    if _matches(top, _ONNX) and _has(top, 1) and (_has(top, 7) or _has(top, 25)):
        return Format.ONNX
    return None


def _matches(fields: list[Field], schema: dict[int, int]) -> bool:
    return all(schema.get(fl.number) == fl.wire for fl in fields)


def _has(fields: list[Field], number: int) -> bool:
    return any(fl.number == number for fl in fields)
