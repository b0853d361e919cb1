"""What uncovered bytes contain: payloads are named, random tensor data is not a payload."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures.safetensors_builder import (
    PICKLE_PAYLOAD,
    SCRIPT_PAYLOAD,
    ZIP_PAYLOAD,
    make_safetensors,
)
from weightscan.scanner.hidden_bytes import classify


@pytest.mark.parametrize(
    ("data", "kind", "dangerous"),
    [
        (bytes(64), "zeros", False),
        (b" " * 64, "spaces", False),
        (PICKLE_PAYLOAD, "pickle", True),
        (bytes(16) + PICKLE_PAYLOAD, "pickle", True),
        (b"garbage" + b"cos\nsystem\n(S'echo'\ntR.", "pickle", True),
        (ZIP_PAYLOAD, "zip", True),
        (SCRIPT_PAYLOAD, "script", True),
        (b"\x7fELF\x02\x01\x01" + bytes(9), "elf-executable", True),
        (make_safetensors({}), "safetensors", False),
        (b"GGUF\x03\x00\x00\x00", "gguf", False),
        (b"\x1f\x8b\x08\x00", "gzip", False),
    ],
)
def test_contents_are_named(data, kind, dangerous):
    contents = classify(data)
    assert (contents.kind, contents.dangerous) == (kind, dangerous)


def test_random_tensor_data_is_just_data():
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float16, np.int8, np.uint8):
        for _ in range(50):
            block = rng.standard_normal(16384).astype(dtype).tobytes()
            assert classify(block).kind == "data"
    for _ in range(100):
        assert classify(rng.bytes(65536)).kind == "data"
