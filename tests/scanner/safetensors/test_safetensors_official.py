"""Files written by the official safetensors library are clean, with every dtype."""

from __future__ import annotations

import io

import numpy as np
import pytest
from safetensors.numpy import save as save_numpy

from tests.optional import require
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.model import Severity
from weightscan.scanner.source import Source

NUMPY_DTYPES = [
    np.float64,
    np.float32,
    np.float16,
    np.int64,
    np.uint64,
    np.int32,
    np.uint32,
    np.int16,
    np.uint16,
    np.int8,
    np.uint8,
    np.bool_,
    np.complex64,
]


def notes_only(data: bytes) -> ScanContext:
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze(Source(io.BytesIO(data)), ctx, Format.SAFETENSORS)
    above_info = [f for f in ctx.findings if f.severity.rank > Severity.INFO.rank]
    assert above_info == []
    return ctx


@pytest.mark.parametrize("dtype", NUMPY_DTYPES, ids=lambda d: np.dtype(d).name)
def test_numpy_dtype_is_clean(dtype):
    arrays = {
        "x": np.zeros((3, 5), dtype),
        "scalar": np.zeros((), dtype),
        "empty": np.zeros((0, 4), dtype),
    }
    ctx = notes_only(save_numpy(arrays, metadata={"format": "np", "note": "é"}))
    assert ctx.state.summary["safetensors"]["tensors"] == 3


def test_all_numpy_dtypes_in_one_file():
    arrays = {f"t{i}": np.ones((i + 1, 2), d) for i, d in enumerate(NUMPY_DTYPES)}
    ctx = notes_only(save_numpy(arrays))
    summary = ctx.state.summary["safetensors"]
    assert summary["tensors"] == len(NUMPY_DTYPES)
    assert summary["parameters"] == sum((i + 1) * 2 for i in range(len(NUMPY_DTYPES)))


TORCH_DTYPES = [
    "bfloat16",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e8m0fnu",
    "float4_e2m1fn_x2",
    "float16",
    "float32",
    "float64",
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "bool",
    "complex64",
]


@pytest.mark.parametrize("name", TORCH_DTYPES)
def test_torch_dtype_is_clean(name):
    torch = require("torch")
    save_torch = require("safetensors.torch").save
    dtype = getattr(torch, name, None)
    if dtype is None:
        pytest.skip(f"torch has no {name}")
    try:
        data = save_torch(
            {
                "w": torch.zeros((4, 8), dtype=torch.uint8).view(dtype)
                if dtype.itemsize == 1
                else torch.zeros((4, 8)).to(dtype)
            }
        )
    except (TypeError, ValueError, RuntimeError, KeyError) as exc:
        pytest.skip(f"safetensors cannot save {name}: {exc}")
    notes_only(data)
