"""GGUF value types and ggml tensor types: the tables the parser checks sizes against.

Block sizes and bytes per block follow ggml (``ggml.c`` ``type_traits``; the same table is
``gguf.constants.GGML_QUANT_SIZES``). Types ggml has removed (Q4_2, Q4_3, the Q4_0_4_x and
IQ4_NL_x_x repacks) are unknown here, as they are to current loaders.
"""

from __future__ import annotations

from typing import NamedTuple


class GgmlType(NamedTuple):
    name: str
    block: int  # elements per block
    size: int  # bytes per block


GGML_TYPES: dict[int, GgmlType] = {
    t[0]: GgmlType(t[1], t[2], t[3])
    for t in (
        (0, "F32", 1, 4),
        (1, "F16", 1, 2),
        (2, "Q4_0", 32, 18),
        (3, "Q4_1", 32, 20),
        (6, "Q5_0", 32, 22),
        (7, "Q5_1", 32, 24),
        (8, "Q8_0", 32, 34),
        (9, "Q8_1", 32, 40),
        (10, "Q2_K", 256, 84),
        (11, "Q3_K", 256, 110),
        (12, "Q4_K", 256, 144),
        (13, "Q5_K", 256, 176),
        (14, "Q6_K", 256, 210),
        (15, "Q8_K", 256, 292),
        (16, "IQ2_XXS", 256, 66),
        (17, "IQ2_XS", 256, 74),
        (18, "IQ3_XXS", 256, 98),
        (19, "IQ1_S", 256, 50),
        (20, "IQ4_NL", 32, 18),
        (21, "IQ3_S", 256, 110),
        (22, "IQ2_S", 256, 82),
        (23, "IQ4_XS", 256, 136),
        (24, "I8", 1, 1),
        (25, "I16", 1, 2),
        (26, "I32", 1, 4),
        (27, "I64", 1, 8),
        (28, "F64", 1, 8),
        (29, "IQ1_M", 256, 56),
        (30, "BF16", 1, 2),
        (34, "TQ1_0", 256, 54),
        (35, "TQ2_0", 256, 66),
        (39, "MXFP4", 32, 17),
        (40, "NVFP4", 64, 36),
        (41, "Q1_0", 128, 18),
    )
}

# GGUF metadata value types: id -> (name, struct code or "" for variable size, byte size)
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL = range(8)
STRING, ARRAY, UINT64, INT64, FLOAT64 = range(8, 13)

SCALARS: dict[int, tuple[str, str, int]] = {
    UINT8: ("uint8", "B", 1),
    INT8: ("int8", "b", 1),
    UINT16: ("uint16", "H", 2),
    INT16: ("int16", "h", 2),
    UINT32: ("uint32", "I", 4),
    INT32: ("int32", "i", 4),
    FLOAT32: ("float32", "f", 4),
    BOOL: ("bool", "?", 1),
    UINT64: ("uint64", "Q", 8),
    INT64: ("int64", "q", 8),
    FLOAT64: ("float64", "d", 8),
}
VALUE_TYPE_NAMES: dict[int, str] = {
    **{k: v[0] for k, v in SCALARS.items()},
    STRING: "string",
    ARRAY: "array",
}

MAX_DIMS = 4  # GGML_MAX_DIMS
MAX_NAME = 64  # GGML_MAX_NAME, terminating NUL included
DEFAULT_ALIGNMENT = 32
INT64_MAX = (1 << 63) - 1
