"""The JSON API under ``/api/v1`` (one blueprint; routes live in the sibling modules)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from weightscan.web.api import files, meta, scans, tokens, uploads  # noqa: E402,F401  (attach routes to bp)
