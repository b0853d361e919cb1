"""Optional test dependencies (PyTorch, Playwright...): skip without them, except in CI.

A fresh machine runs the README's test command without them and sees each such test
skipped with its reason; under ``CI=true`` the same test FAILS, so the full run cannot
quietly lose them.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require(module: str) -> Any:
    """``import module``; without it: skip outside CI, fail under ``CI=true``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if in_ci():
            pytest.fail(f"{module} is required under CI=true: {exc}", pytrace=False)
        pytest.skip(
            f"{module} is not installed (the full run needs it: see README)",
            allow_module_level=True,
        )


def missing(what: str) -> None:
    """A test needs ``what`` (a program, a service) and it is not there."""
    if in_ci():
        pytest.fail(f"{what} is required under CI=true", pytrace=False)
    pytest.skip(
        f"{what} is not available (the full run needs it: see README)", allow_module_level=True
    )
