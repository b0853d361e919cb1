"""Which protobuf model format a file holds, judged from the field numbers and wire types
of its top-level message (protobuf has no magic number).

Each format is recognised only when every top-level field seen belongs to its root
message with the right wire type, and the fields that make it what it is are there: an
ONNX ModelProto has an ``ir_version`` and a graph or functions; a SavedModel has
meta graphs; a CoreML Model has a specification version and a model type (fields 200 and up);
a frozen GraphDef has nodes whose second field is the op name (a
SentencePiece model, also a list of field-1 messages, has a float score there). Anything else stays
unknown, which is never clean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from weightscan.scanner.formats import Format
from weightscan.scanner.protobuf.wire import LEN, VARINT, Field, WireReader
from weightscan.scanner.source import Source

_Schema = Mapping[int, int | tuple[int, ...]]  # field number -> its wire type(s)
_TOP_FIELDS = 4096  # top-level fields looked at: real models have a handful

# ModelProto (onnx.proto): field -> wire type
_ONNX: _Schema = {
    1: VARINT,
    2: LEN,
    3: LEN,
    4: LEN,
    5: VARINT,
    6: LEN,
    7: LEN,
    8: LEN,
    14: LEN,
    20: LEN,
    25: LEN,
    26: LEN,
}
# TensorProto (onnx.proto): a tensor saved alone (test_data_set_*/input_0.pb); dims may
# come packed or one by one
_ONNX_TENSOR: _Schema = {
    1: (VARINT, LEN),
    2: VARINT,
    3: LEN,
    4: LEN,
    5: LEN,
    6: LEN,
    7: LEN,
    8: LEN,
    9: LEN,
    10: LEN,
    11: LEN,
    12: LEN,
    13: LEN,
    14: VARINT,
    16: LEN,
}
# what makes it a tensor: dims, or values (a scalar has no dims: a string in string_data)
_TENSOR_CONTENT = (1, 4, 5, 6, 7, 9, 10, 11)
# SavedModel (saved_model.proto) and its MetaGraphDef (meta_graph.proto)
_SAVED_MODEL: _Schema = {1: VARINT, 2: LEN}
_META_GRAPH: _Schema = {n: LEN for n in range(1, 8)}
# GraphDef (graph.proto) and NodeDef (node_def.proto)
_GRAPH: _Schema = {1: LEN, 2: LEN, 3: VARINT, 4: LEN, 5: LEN}
_NODE: _Schema = {1: LEN, 2: LEN, 3: LEN, 4: LEN, 5: LEN, 6: LEN, 7: LEN}
# SavedMetadata (keras saved_metadata.proto): SavedObjects with a JSON config in field 5
_KERAS_METADATA: _Schema = {1: LEN}
_SAVED_OBJECT: _Schema = {2: VARINT, 3: LEN, 4: LEN, 5: LEN, 6: LEN}
# CoreML Model (Model.proto): version, description, isUpdatable, then one model type
_COREML_TYPES = frozenset(
    {
        200,
        201,
        202,
        300,
        301,
        302,
        303,
        304,
        400,
        401,
        402,
        403,
        404,
        500,
        501,
        502,
        555,
        556,
        560,
        600,
        601,
        602,
        603,
        604,
        606,
        607,
        609,
        610,
        900,
        2000,
        2001,
        2002,
        2003,
        2004,
        2005,
        2006,
        3000,
    }
)
_COREML: _Schema = {1: VARINT, 2: LEN, 10: VARINT} | dict.fromkeys(_COREML_TYPES, LEN)
# ProgramDesc (paddle framework.proto): blocks, version, op_version_map; a BlockDesc
# starts with its required varint idx (a GraphDef's NodeDef starts with its name)
_PADDLE: _Schema = {1: LEN, 4: LEN, 5: LEN}
_PADDLE_BLOCK: _Schema = {1: VARINT, 2: VARINT, 3: LEN, 4: LEN, 5: VARINT}
# FingerprintDef (fingerprint.proto): checksums and a version; nothing a loader runs
# SavedModel fingerprint.pb (FingerprintDef): five hashes, a VersionDef and, since TF 2.15,
# ``uuid = 7``: a random number written in decimal.
_FINGERPRINT: _Schema = {1: VARINT, 2: VARINT, 3: VARINT, 4: VARINT, 5: VARINT, 6: LEN, 7: LEN}
_FINGERPRINT_UUID = re.compile(rb"[0-9A-Fa-f-]{1,64}")


def model_protobuf_format(source: Source) -> Format | None:
    """The protobuf model format of ``source``, or None."""
    if source.size < 2 or source.head(1)[0] not in (0x08, 0x0A, 0x10, 0x12, 0x1A, 0x3A):
        return None
    reader = WireReader(source, max_fields=_TOP_FIELDS * 4)
    top, ok = reader.tags(0, source.size, _TOP_FIELDS)
    if not top:
        return None
    if _matches(top, _ONNX) and _has(top, 1) and (_has(top, 7) or _has(top, 25)):
        return Format.ONNX
    if _matches(top, _COREML) and _has(top, 1) and any(fl.number in _COREML_TYPES for fl in top):
        return Format.COREML
    if (
        _matches(top, _SAVED_MODEL)
        and _has(top, 2)
        and _inner_matches(reader, _first(top, 2), _META_GRAPH, need=None)
    ):
        return Format.TF_SAVED_MODEL
    if (
        ok
        and _matches(top, _GRAPH)
        and _has(top, 1)
        and _inner_matches(reader, _first(top, 1), _NODE, need=2)
    ):
        return Format.TF_GRAPHDEF
    if _matches(top, _KERAS_METADATA) and _inner_matches(
        reader, _first(top, 1), _SAVED_OBJECT, need=4
    ):
        return Format.TF_KERAS_METADATA
    if (
        ok
        and _matches(top, _PADDLE)
        and _has(top, 1)
        and _inner_matches(reader, _first(top, 1), _PADDLE_BLOCK, need=1)
    ):
        return Format.PADDLE_PROGRAM
    if (
        ok
        and _matches(top, _ONNX_TENSOR)
        and _has(top, 2)
        and any(_has(top, n) for n in _TENSOR_CONTENT)
    ):
        return Format.ONNX_TENSOR
    if (
        ok
        and _matches(top, _FINGERPRINT)
        and sum(_has(top, n) for n in range(1, 6)) >= 3
        and all(_plain_uuid(reader, fl) for fl in top if fl.number == 7)
    ):
        return Format.OTHER
    return None


def _plain_uuid(reader: WireReader, fl: Field) -> bool:
    """A fingerprint's uuid is digits: a longer or other field is not left unread."""
    return fl.value <= 64 and bool(_FINGERPRINT_UUID.fullmatch(reader.read(fl.start, fl.value)))


def _first(fields: list[Field], number: int) -> Field:
    return next(fl for fl in fields if fl.number == number)


def _inner_matches(reader: WireReader, fl: Field, schema: _Schema, need: int | None) -> bool:
    """Whether the message in ``fl`` starts with fields of ``schema`` (and has ``need``)."""
    inner, _ = reader.tags(fl.start, min(fl.end, reader.source.size), 64)
    return bool(inner) and _matches(inner, schema) and (need is None or _has(inner, need))


def _matches(fields: list[Field], schema: _Schema) -> bool:
    for fl in fields:
        wire = schema.get(fl.number)
        if wire != fl.wire and not (isinstance(wire, tuple) and fl.wire in wire):
            return False
    return True


def _has(fields: list[Field], number: int) -> bool:
    return any(fl.number == number for fl in fields)
