"""``scanner``'s public surface: ``__all__`` names exactly the public objects, and they import."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types
from pathlib import Path

import weightscan.scanner as scanner

ROOT = Path(__file__).resolve().parents[2]


def _public_objects(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }


def test_all_matches_the_public_names():
    assert sorted(scanner.__all__) == sorted(_public_objects(scanner))
    assert len(set(scanner.__all__)) == len(scanner.__all__)


def test_every_public_name_imports_from_a_fresh_interpreter():
    code = f"from weightscan.scanner import {', '.join(scanner.__all__)}; print('ok')"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "ok"


def test_output_package_public_names():
    output = importlib.import_module("weightscan.scanner.output")
    assert sorted(output.__all__) == sorted(_public_objects(output))
    for name in output.__all__:
        assert getattr(output, name) is not None


def test_entry_points_are_callable_and_typed():
    for name in ("scan_path", "scan_file", "scan_stream", "scan_fileobj", "sha256_of"):
        func = getattr(scanner, name)
        assert callable(func)
        assert func.__doc__
        assert "return" in func.__annotations__
