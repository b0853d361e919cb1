"""Statuses, results and small helpers every lifecycle step of a scan shares."""

from __future__ import annotations

from dataclasses import dataclass, field

from weightscan.core.models import Scan, ScanStatus

FINISHED = (ScanStatus.DONE, ScanStatus.FAILED)
MAX_ERROR_CHARS = 500


@dataclass
class SubmitResult:
    """What a submission produced. Commit, then enqueue ``to_enqueue``."""

    scan: Scan
    cached: bool  # True: a previous result was reused (scan.cached_from names it)
    to_enqueue: list[str] = field(default_factory=list)  # scan ids for worker.tasks.scan_file


@dataclass
class RunOutcome:
    """What ``run_scan`` did with one scan id."""

    scan_id: str
    ran: bool  # False: not claimed (already running elsewhere, done, or unknown id)
    verdict: str | None = None
    # Top-level scans that became complete because of this run: the scan itself when it has
    # no group, or its group when this was the group's last child. Notify about these.
    completed_top_level: list[str] = field(default_factory=list)


class TransientError(Exception):
    """Infrastructure failure (blob store, database): retry later; the claim was released."""


def truncate(text: str | None, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
