"""The JSON API under ``/api/v1`` (one blueprint; routes live in the sibling modules)."""

from __future__ import annotations

from weightscan.web.api import files, meta, scans, tokens, uploads  # noqa: F401  (attach routes to bp)
from weightscan.web.api.blueprint import bp

__all__ = ["bp"]
