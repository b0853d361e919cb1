"""Shared helpers for the red-team tests: protocol-4 opcodes, and the isolated proof that
a loader really runs a file's payload (in a subprocess, skipped without the loader)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

LOADERS = {
    "joblib": "import joblib,sys; joblib.load(sys.argv[1])",
    "pickle": "import pickle,sys; pickle.load(open(sys.argv[1],'rb'))",
    "torch": "import torch,sys; torch.load(sys.argv[1], weights_only=False)",
    "numpy": "import numpy,sys; numpy.load(sys.argv[1], allow_pickle=True)",
}


def s(text: str) -> bytes:
    """SHORT_BINUNICODE."""
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def g(module: str, name: str) -> bytes:
    """STACK_GLOBAL of two short strings."""
    return s(module) + s(name) + b"\x93"


def proves_payload_runs(
    tmp_path: Path, loader: str, build: Callable[[str], bytes], name: str = "model.bin"
) -> bool:
    """Write ``build("touch <marker>")`` and load it with ``loader`` in a subprocess."""
    pytest.importorskip(loader)
    marker = tmp_path / "ran"
    path = tmp_path / name
    path.write_bytes(build(f"touch {marker}"))
    subprocess.run(
        [sys.executable, "-c", LOADERS[loader], str(path)],
        check=False,
        capture_output=True,
        timeout=120,
    )
    return marker.exists()
