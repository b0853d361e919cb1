"""Slow request bodies must not hold a worker thread forever (issue 14 #5).

gunicorn's gthread workers read a request's body in the thread that serves it, with no
read timeout: a client that declares a body and then stalls holds that thread until it
hangs up, and a handful of them take the service down. gunicorn hands the app its client
socket (``environ["gunicorn.socket"]``), so each request sets a per-read timeout on it
(``settings.body_read_timeout_seconds``); a stalled body then raises ``TimeoutError``,
which answers ``408``. A client that trickles a byte just under the timeout still holds a
thread: production puts a buffering proxy in front (docs/security.md), which this only
backs up.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request

log = logging.getLogger("weightscan.web")


def init_slow_clients(app: Flask, timeout: float) -> None:
    @app.before_request
    def _bounded_reads() -> None:
        sock = request.environ.get("gunicorn.socket")
        if sock is not None and timeout > 0:
            sock.settimeout(timeout)

    @app.errorhandler(TimeoutError)
    def _too_slow(_exc: TimeoutError) -> Response:
        from weightscan.web.errors import problem_response

        log.warning("request body too slow on %s %s", request.method, request.path)
        response = problem_response(408, "RequestTimeoutError", "Request timeout",
                                    f"No part of the request body arrived for {timeout:g} s.")
        response.headers["Connection"] = "close"
        return response
