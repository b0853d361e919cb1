"""Slow request bodies must not hold a worker thread forever (issue 14 #5).

gunicorn's gthread workers read a request's body in the thread that serves it, with no
read timeout: a client that declares a body and then stalls holds that thread until it
hangs up, and a handful of them take the service down. gunicorn hands the app its client
socket (``environ["gunicorn.socket"]``), so each request sets a per-read timeout on it
(``settings.body_read_timeout_seconds``); a stalled body then fails the read, the upload
ends as incomplete (400) and the thread is free. A client that trickles a byte just under
the timeout still holds a thread: production puts a buffering proxy in front
(docs/security.md), which this only backs up.
"""

from __future__ import annotations

from flask import Flask, request


def init_slow_clients(app: Flask, timeout: float) -> None:
    @app.before_request
    def _bounded_reads() -> None:
        sock = request.environ.get("gunicorn.socket")
        if sock is not None and timeout > 0:
            sock.settimeout(timeout)
