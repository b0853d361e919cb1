"""The ``api`` blueprint itself, apart from the package so the route modules can import it
without importing the package that imports them."""

from __future__ import annotations

from flask import Blueprint, Response, g

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.after_request
def _say_when_a_wait_was_cut_short(response: Response) -> Response:
    # ?wait was asked for but every long-poll slot was taken ("busy") or the server's cap
    # ended it first ("capped"; api.common): say so, so a client polls again rather than
    # assume the scan is slow.
    reason = g.get("wait_refused")
    if reason:
        response.headers["X-Weightscan-Wait"] = reason
        response.headers.setdefault("Retry-After", "1")
    return response
