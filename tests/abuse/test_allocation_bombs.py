"""GGUF and safetensors headers that declare absurd counts, lengths and shapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.abuse import bombs
from tests.abuse.expect import bounded, flagged

GGUF = bombs.gguf_bombs()
SAFETENSORS = bombs.safetensors_bombs()


@pytest.mark.parametrize("case", sorted(GGUF))
def test_gguf_allocation_bomb(scan, tmp_path: Path, case: str):
    limits = {"max_gguf_kv": 10_000} if case == "many-kv-over-limit" else {}
    o = scan(bombs.write(tmp_path / "bomb.gguf", GGUF[case]), **limits)
    bounded(o, seconds=10)
    flagged(
        o,
        "gguf.count.overflow",
        "gguf.length.overflow",
        "gguf.kv.invalid",
        "gguf.tensor.dims",
        "gguf.tensor.invalid",
        "gguf.header.invalid",
        "format.malformed",
    )


@pytest.mark.parametrize("case", sorted(SAFETENSORS))
def test_safetensors_allocation_bomb(scan, tmp_path: Path, case: str):
    o = scan(bombs.write(tmp_path / "bomb.safetensors", SAFETENSORS[case]))
    bounded(o, seconds=10)
    if case == "thirty-thousand-tensors":
        return  # a valid (if odd) file: bounded is the whole requirement
    flagged(
        o,
        "safetensors.header.length",
        "safetensors.header.too-large",
        "safetensors.header.not-json",
        "safetensors.tensor.size",
        "safetensors.tensor.overflow",
        "safetensors.offsets.invalid",
        "safetensors.data.truncated",
        "format.malformed",
        # a length prefix no safetensors reader accepts: not sniffed as safetensors
        "format.unrecognized",
    )
