"""What an ONNX tensor's declared type and shape say its data must weigh."""

from __future__ import annotations

# TensorProto.DataType -> bits per element (onnx.proto); STRING (8) and UNDEFINED (0) have
# no fixed size. Sub-byte types are packed, so a tensor takes ceil(bits * count / 8) bytes.
BITS: dict[int, int] = {
    1: 32,
    2: 8,
    3: 8,
    4: 16,
    5: 16,
    6: 32,
    7: 64,
    9: 8,
    10: 16,
    11: 64,
    12: 32,
    13: 64,
    14: 64,
    15: 128,
    16: 16,
    17: 8,
    18: 8,
    19: 8,
    20: 8,
    21: 4,
    22: 4,
    23: 4,
    24: 8,
    25: 2,
    26: 2,
    27: 6,
    28: 6,
}
STRING = 8


def element_count(dims: list[int]) -> int | None:
    """The number of elements, or None when a dimension is negative."""
    count = 1
    for d in dims:
        if d < 0:
            return None
        count *= d
    return count


def expected_bytes(data_type: int, dims: list[int]) -> int | None:
    """Bytes the tensor's data must hold, or None when the type has no fixed size."""
    bits = BITS.get(data_type)
    count = element_count(dims)
    if bits is None or count is None:
        return None
    return (bits * count + 7) // 8


# TensorProto.DataType -> (the typed field holding its values, elements per value):
# onnx.proto's comments on float_data, int32_data, string_data, int64_data, double_data,
# uint64_data. Complex numbers take two values; 4-bit types pack two elements per int32.
VALUE_FIELD: dict[int, tuple[int, float]] = {
    1: (4, 1),
    14: (4, 0.5),
    2: (5, 1),
    3: (5, 1),
    4: (5, 1),
    5: (5, 1),
    6: (5, 1),
    9: (5, 1),
    10: (5, 1),
    16: (5, 1),
    17: (5, 1),
    18: (5, 1),
    19: (5, 1),
    20: (5, 1),
    21: (5, 2),
    22: (5, 2),
    23: (5, 2),
    STRING: (6, 1),
    7: (7, 1),
    11: (10, 1),
    15: (10, 0.5),
    12: (11, 1),
    13: (11, 1),
}
VALUE_FIELDS = frozenset({4, 5, 6, 7, 10, 11})
FIXED_WIDTH = {4: 4, 10: 8}  # packed float / double values: bytes each


def values_problem(
    data_type: int, dims: list[int], values: dict[int, int], raw: bool
) -> str | None:
    """Why a tensor's typed values disagree with its type and shape (None if they agree).

    ``values`` counts the values in each typed field; ``raw`` says raw_data is present."""
    if data_type not in BITS and data_type != STRING:
        return f"data type {data_type} is not one onnx.proto defines"
    count = element_count(dims)
    if count is None:
        return "a dimension is negative"
    if raw:
        return "it holds raw_data and typed values" if values else None
    field, per_value = VALUE_FIELD.get(data_type, (0, 1))
    others = sorted(n for n in values if n != field)
    if others:
        return f"values in field {others[0]}, which data type {data_type} does not use"
    need = -(-count // per_value) if per_value >= 1 else count * 2
    have = values.get(field, 0)
    return None if have == need else f"shape and type need {need} values, it holds {have}"
