"""Group scans: progress and completion from their children's states."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from weightscan.core.db import utcnow
from weightscan.core.models import Scan, ScanKind, ScanStatus
from weightscan.core.scans.common import FINISHED


def lock_group(session: Session, group_id: str) -> Scan | None:
    """Load the group row with a row lock (PostgreSQL ``FOR UPDATE``; on SQLite the
    transaction's write lock already serialises writers)."""
    return session.scalars(
        select(Scan)
        .where(Scan.id == group_id, Scan.kind == ScanKind.GROUP)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _child_counts(session: Session, group_id: str) -> tuple[int, int, list[str]]:
    rows = session.execute(select(Scan.status, Scan.verdict).where(Scan.group_id == group_id)).all()
    done = [r for r in rows if r.status in FINISHED]
    return len(rows), len(done), [r.verdict or "error" for r in done]


def refresh_group_progress(session: Session, group_id: str, group: Scan | None = None) -> None:
    group = group or session.get(Scan, group_id)
    if group is None:
        return
    total, done, _ = _child_counts(session, group_id)
    group.progress = {
        **(group.progress or {}),
        "files_total": total,
        "files_done": done,
        "stage": "scanning" if group.status != ScanStatus.QUEUED else "collecting",
    }


def complete_group_if_done(session: Session, group: Scan) -> bool:
    """Finish a sealed group whose children are all finished. Call with the group locked."""
    from weightscan.scanner import ENGINE_VERSION, RULES_VERSION, Verdict

    if group.status != ScanStatus.RUNNING:  # still collecting files, or already finished
        return False
    total, done, verdicts = _child_counts(session, group.id)
    if done < total:
        return False
    worst = Verdict.worst(
        Verdict(v) if v in Verdict._value2member_map_ else Verdict.ERROR for v in verdicts
    )
    group.status = ScanStatus.DONE
    group.verdict = worst.value
    group.finished_at = utcnow()
    group.engine_version = ENGINE_VERSION
    group.rules_version = RULES_VERSION
    group.progress = {"stage": "done", "files_total": total, "files_done": done}
    if group.started_at is not None:
        group.duration_seconds = (group.finished_at - group.started_at).total_seconds()
    session.flush()
    return True
