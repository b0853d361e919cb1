"""Helpers shared by the API views: query parsing, visibility, long-poll."""

from __future__ import annotations

import re
import threading
import time

from flask import current_app, g, request
from sqlalchemy.orm import Session

from weightscan.core.models import Scan
from weightscan.core.scans.common import FINISHED
from weightscan.web.auth import Principal
from weightscan.web.errors import BadRequestError, NotFoundError

MAX_WAIT_SECONDS = 60
_SLOTS_LOCK = threading.Lock()


def query_bool(name: str) -> bool:
    raw = (request.args.get(name) or request.form.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise BadRequestError(f"'{name}' must be true or false.")


def query_int(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequestError(f"'{name}' must be an integer.") from None
    if not lo <= value <= hi:
        raise BadRequestError(f"'{name}' must be between {lo} and {hi}.")
    return value


_ALLOW_ENTRY = re.compile(r"^[^\s.:][^\s:]*\.[^\s.:]+$")  # "module.name", as the CLI
MAX_ALLOW = 50


def allow_entries() -> list[str]:
    """``allow=module.name`` (repeatable or comma-separated, query or form): imports this
    request adds to the allowlist. Part of the cache key, so it never reuses a verdict
    made under another policy."""
    raw = request.args.getlist("allow") + request.form.getlist("allow")
    items = [i.strip() for entry in raw for i in entry.split(",") if i.strip()]
    if len(items) > MAX_ALLOW:
        raise BadRequestError(f"At most {MAX_ALLOW} 'allow' entries.")
    for item in items:
        if len(item) > 200 or not _ALLOW_ENTRY.match(item):
            raise BadRequestError(f"'allow' expects module.name entries, got {item[:80]!r}.")
    return sorted(set(items))


def wait_seconds() -> int:
    return query_int("wait", 0, 0, MAX_WAIT_SECONDS)


def visible_scan(db: Session, scan_id: str, principal: Principal) -> Scan:
    """The scan, if it exists and this principal may see it (else 404, never 403:
    ids of other tokens' scans are not confirmed)."""
    scan = db.get(Scan, scan_id) if len(scan_id) <= 40 else None
    if scan is None or not principal.can_see(scan):
        raise NotFoundError(f"No scan {scan_id[:64]!r}.")
    return scan


def _wait_slots() -> threading.BoundedSemaphore:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    slots: threading.BoundedSemaphore | None = app.extensions.get("weightscan.wait_slots")
    if slots is None:
        with _SLOTS_LOCK:
            slots = app.extensions.get("weightscan.wait_slots")
            if slots is None:
                limit = max(1, current_app.config["WEIGHTSCAN_SETTINGS"].max_concurrent_waits)
                slots = threading.BoundedSemaphore(limit)
                app.extensions["weightscan.wait_slots"] = slots
    return slots


def wait_until_finished(db: Session, scan: Scan, seconds: int) -> Scan:
    """Long-poll, bounded twice because each wait holds a worker thread: at most
    ``settings.max_concurrent_waits`` at once per process (past that the scan is answered
    at once: ``busy``), each for at most ``settings.max_wait_seconds`` whatever ``?wait``
    asked (then an unfinished scan is answered as it is: ``capped``). Either way the
    answer carries ``Retry-After`` and the client polls again (api/blueprint.py)."""
    if scan.status in FINISHED:
        return scan
    settings = current_app.config["WEIGHTSCAN_SETTINGS"]
    allowed = min(seconds, max(0, settings.max_wait_seconds))
    slots = _wait_slots()
    if allowed <= 0 or not slots.acquire(blocking=False):
        g.wait_refused = "busy" if allowed > 0 else "capped"
        return scan
    try:
        scan = _poll_until_finished(db, scan, allowed)
    finally:
        slots.release()
    if allowed < seconds and scan.status not in FINISHED:
        g.wait_refused = "capped"
    return scan


def _poll_until_finished(db: Session, scan: Scan, seconds: int) -> Scan:
    """Re-read the row with short sleeps until it finishes or time runs out.

    Small files finish in a fraction of a second, so poll every 25 ms at first, then back
    off (100 ms after 1 s, 500 ms after 5 s) to keep long waits cheap for the database.
    """
    started = time.monotonic()
    deadline = started + seconds
    while scan.status not in FINISHED:
        now = time.monotonic()
        if now >= deadline:
            break
        elapsed = now - started
        delay = 0.025 if elapsed < 1 else 0.1 if elapsed < 5 else 0.5
        time.sleep(min(delay, deadline - now))
        db.expire_all()
        db.commit()  # end the read transaction so the next read sees the worker's commit
        fresh = db.get(Scan, scan.id)
        if fresh is None:
            raise NotFoundError("The scan was deleted while waiting.")
        scan = fresh
    return scan
