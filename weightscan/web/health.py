"""Liveness and readiness, as ``application/health+json``.

``/healthz`` says the process answers. ``/readyz`` checks the database (``SELECT 1``),
its schema (the Alembic revision against this code's head), the broker (a connection) and
the workers (celery ``control.ping`` with a short timeout): no worker answering is ``warn``
(scans queue up, nothing is lost), a database or broker failure or a schema behind the code
is ``fail`` (503), so that a deploy that skipped ``weightscan db upgrade`` never takes
traffic. A revision the code does not know (a newer release migrated first) is ``warn``.
The probes run concurrently within ``PROBE_BUDGET_SECONDS``: one that has not answered by
then is reported as timed out (``fail``; ``warn`` for the worker ping).
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response, current_app, json
from sqlalchemy import text

bp = Blueprint("health", __name__)

HEALTH_JSON = "application/health+json"


def _respond(body: dict[str, Any], status: int = 200) -> Response:
    return current_app.response_class(
        json.dumps(body), status=status, mimetype=HEALTH_JSON, headers={"Cache-Control": "no-store"}
    )


@bp.get("/healthz")
def healthz() -> Response:
    return _respond({"status": "pass"})


# Every probe runs in its own thread and gets this long in all: a broker that refuses or
# hangs must not make /readyz slower than the health checks that call it (compose: 4-5 s).
PROBE_BUDGET_SECONDS = 1.8
_TIMEOUT_STATUS = {"workers:ping": "warn"}  # no answer from workers: scans still queue


@bp.get("/readyz")
def readyz() -> Response:
    checks = {
        name: [entry]
        for name, entry in run_probes(
            {
                "database:responseTime": _check_database,
                "database:migration": _check_migration,
                "broker:connection": _check_broker,
                "workers:ping": _check_workers,
            },
            PROBE_BUDGET_SECONDS,
        ).items()
    }
    statuses = [c[0]["status"] for c in checks.values()]
    overall = "fail" if "fail" in statuses else "warn" if "warn" in statuses else "pass"
    return _respond({"status": overall, "checks": checks}, 503 if overall == "fail" else 200)


def run_probes(probes: dict[str, Any], budget: float) -> dict[str, dict[str, Any]]:
    """Run the probes concurrently (each with this app's context); whatever has not
    answered when ``budget`` seconds are up is reported as timed out. A stuck probe's
    thread is left to finish on its own (daemon): it holds no request thread."""
    import threading

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    results: dict[str, dict[str, Any]] = {}

    def run(name: str, probe: Any) -> None:
        with app.app_context():
            results[name] = probe()

    threads = [
        threading.Thread(target=run, args=item, daemon=True, name=f"probe {item[0]}")
        for item in probes.items()
    ]
    deadline = time.monotonic() + budget
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return {
        name: results.get(name)
        or {"status": _TIMEOUT_STATUS.get(name, "fail"), "output": f"no answer within {budget:g} s"}
        for name in probes
    }


def _timed(fn: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:  # every failure is a health result, never a 500
        return {"status": "fail", "output": f"{type(exc).__name__}: {str(exc)[:200]}"}
    entry: dict[str, Any] = {
        "status": "pass",
        "observedValue": round((time.perf_counter() - started) * 1000, 2),
        "observedUnit": "ms",
    }
    if isinstance(result, dict):
        entry.update(result)
    return entry


def _check_database() -> dict[str, Any]:
    from weightscan.web.db import session_factory

    def ping() -> None:
        with session_factory()() as db:
            db.execute(text("SELECT 1"))

    return _timed(ping)


def _check_migration() -> dict[str, Any]:
    from weightscan.core.migrate import migration_state
    from weightscan.web.db import read_engine

    def compare() -> dict[str, Any]:
        state, message = migration_state(read_engine())
        status = {"current": "pass", "behind": "fail"}.get(state, "warn")
        return {"status": status, "output": message}

    return _timed(compare)


def _check_broker() -> dict[str, Any]:
    from weightscan.web.queue import celery_app

    def connect() -> None:
        with celery_app().connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=PROBE_BUDGET_SECONDS)

    return _timed(connect)


def _check_workers() -> dict[str, Any]:
    from weightscan.web.queue import celery_app

    def ping() -> dict[str, Any]:
        try:
            replies = celery_app().control.ping(timeout=0.5) or []
        except Exception as exc:  # e.g. a transport without broadcast
            return {"status": "warn", "output": f"cannot ping workers: {str(exc)[:200]}"}
        if not replies:
            output = "no worker answered; scans will wait in queue"
            if current_app.config["WEIGHTSCAN_SETTINGS"].embedded_broker:
                # kombu's SQLAlchemy/filesystem transports have no broadcast: pings get
                # no reply even when the embedded worker is running.
                output += " (this embedded broker cannot carry pings)"
            return {
                "status": "warn",
                "output": output,
                "observedValue": 0,
                "observedUnit": "workers",
            }
        return {"observedValue": len(replies), "observedUnit": "workers"}

    return _timed(ping)
