"""Prometheus metrics: counters kept per process, scan-status gauge computed at scrape.

With gunicorn, set ``PROMETHEUS_MULTIPROC_DIR`` (wiped before start) and the scrape
aggregates every worker process (prometheus_client multiprocess mode).
"""

from __future__ import annotations

import hmac
import os
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import func, select

from weightscan.core.models import Scan
from weightscan.web.errors import AuthenticationRequiredError

bp = Blueprint("metrics", __name__)


class Metrics:
    """The series this process updates (one registry per app, so tests can build many)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.scans_submitted = Counter(
            "scans_submitted", "Scans accepted for analysis", ["source"], registry=self.registry
        )
        self.uploads_rejected = Counter(
            "uploads_rejected", "Uploads refused", ["reason"], registry=self.registry
        )
        self.request_latency = Histogram(
            "http_request_duration_seconds",
            "Request latency",
            ["method", "endpoint", "status"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )


def metrics() -> Metrics:
    m: Metrics = current_app.extensions["weightscan.metrics"]
    return m


def init_metrics(app: Flask) -> None:
    app.extensions["weightscan.metrics"] = Metrics()

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.get("request_started")
        if started is not None:
            metrics().request_latency.labels(
                request.method,
                request.url_rule.rule if request.url_rule else "<unmatched>",
                str(response.status_code),
            ).observe(time.perf_counter() - started)
        return response


@bp.get("/metrics")
def scrape() -> Response:
    settings = current_app.config["WEIGHTSCAN_SETTINGS"]
    if settings.metrics_token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), settings.metrics_token.encode()):
            raise AuthenticationRequiredError(
                "The metrics token is missing or wrong.", headers={"WWW-Authenticate": "Bearer"}
            )
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text = generate_latest(registry).decode()
    else:
        text = generate_latest(metrics().registry).decode()
    text += _status_gauge()
    return Response(
        text,
        mimetype=CONTENT_TYPE_LATEST.split(";")[0],
        headers={"Content-Type": CONTENT_TYPE_LATEST},
    )


def _status_gauge() -> str:
    """``scans{status=...}`` straight from the database, so every process agrees."""
    from weightscan.web.db import get_session

    rows = get_session().execute(select(Scan.status, func.count()).group_by(Scan.status)).all()
    counts = {str(getattr(s, "value", s)): n for s, n in rows}
    lines = ["# HELP scans Scans in the database by status", "# TYPE scans gauge"]
    for status in ("queued", "running", "done", "failed"):
        lines.append(f'scans{{status="{status}"}} {counts.get(status, 0)}')
    return "\n".join(lines) + "\n"
