"""What an ONNX tensor's declared type and shape say its data must weigh."""

from __future__ import annotations

# TensorProto.DataType -> bits per element (onnx.proto); STRING (8) and UNDEFINED (0) have
# no fixed size. Sub-byte types are packed, so a tensor takes ceil(bits * count / 8) bytes.
BITS: dict[int, int] = {
    1: 32, 2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 7: 64, 9: 8, 10: 16, 11: 64, 12: 32, 13: 64,
    14: 64, 15: 128, 16: 16, 17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4, 23: 4, 24: 8,
    25: 2, 26: 2, 27: 6, 28: 6,
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
