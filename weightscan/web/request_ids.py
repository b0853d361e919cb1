"""The request id that ties a response to its log lines (``X-Request-ID``)."""

from __future__ import annotations

import re
import secrets

from flask import g, request

_REQUEST_ID = re.compile(r"\A[A-Za-z0-9._:-]{1,100}\Z")


def request_id() -> str:
    """The caller's ``X-Request-ID`` when it looks sane, else a new one (for log correlation)."""
    if "request_id" not in g:
        sent = request.headers.get("X-Request-ID", "")
        g.request_id = sent if _REQUEST_ID.match(sent) else secrets.token_hex(12)
    return str(g.request_id)
