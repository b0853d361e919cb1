"""The service pieces a fault test runs: the real app (in this process, Flask test
client), real worker processes (``weightscan worker`` or the hold-able test worker), and
waiting on scan rows."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tests.integration.procs import Proc, service_env, wait_until
from weightscan.core.models import Finding, Scan, ScanKind, ScanStatus
from weightscan.core.settings import Settings

HOLD_APP = "tests.integration.slow_worker:app"  # holds files named slow* (see there)


def fault_settings(home: Path, **changes: Any) -> Settings:
    base = Settings(
        home=home,
        secret_key="fault-test-key",
        allow_anonymous=True,
        rate_limit="",
        max_upload_bytes=64 * 1024 * 1024,
        blob_dir=home / "blobs",
        stale_after_seconds=3,
        sweep_interval_seconds=1,
        max_attempts=3,
    )
    return base.replace(**changes)


def make_app(settings: Settings) -> Any:
    from weightscan.web import create_app

    app = create_app(settings)
    app.config["TESTING"] = True
    return app


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    """WEIGHTSCAN_* variables a worker needs to share the app's database, broker, blobs."""
    return service_env(
        settings.home,
        WEIGHTSCAN_DATABASE_URL=settings.resolved_database_url,
        WEIGHTSCAN_BROKER_URL=settings.resolved_broker_url,
        WEIGHTSCAN_BLOB_DIR=str(settings.resolved_blob_dir),
        WEIGHTSCAN_SECRET_KEY=settings.secret_key,
        WEIGHTSCAN_STALE_AFTER_SECONDS=str(settings.stale_after_seconds),
        WEIGHTSCAN_SWEEP_INTERVAL_SECONDS=str(settings.sweep_interval_seconds),
        WEIGHTSCAN_MAX_ATTEMPTS=str(settings.max_attempts),
        **extra,
    )


def start_worker(
    env: dict[str, str], log: Path, *, hold_app: bool = False, beat: bool = True
) -> Proc:
    """One worker (concurrency 1) with beat, so the sweeper runs; waited for until ready."""
    Path(env["WEIGHTSCAN_HOME"]).mkdir(parents=True, exist_ok=True)  # beat's schedule file
    if hold_app:
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            HOLD_APP,
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-mingle",
            "--without-gossip",
            "--queues=weightscan,downloads",
            f"--hostname=fault-{log.stem}@%h",
        ]
        if beat:
            argv += ["--beat", f"--schedule={env['WEIGHTSCAN_HOME']}/beat-schedule"]
    else:
        argv = [
            sys.executable,
            "-m",
            "weightscan",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--hostname",
            f"fault-{log.stem}@%h",
        ]
        if beat:
            argv.append("--beat")
    proc = Proc(argv, env, log)
    proc.wait_for_output(" ready.", timeout=90)
    return proc


def put(client: Any, data: bytes, name: str) -> Any:
    return client.put(
        f"/api/v1/uploads/{name}", data=io.BytesIO(data), headers={"Content-Length": str(len(data))}
    )


def sessions_of(app: Any) -> Any:
    return app.extensions["weightscan.sessionmaker"]


def wait_all_finished(app: Any, ids: list[str], timeout: float, procs: list[Proc]) -> list[Any]:
    """Every id reaches ``done`` (with a verdict); returns (id, verdict, attempts, error)."""

    def check() -> list[Any] | None:
        with sessions_of(app)() as db:
            rows = db.execute(
                select(Scan.id, Scan.status, Scan.verdict, Scan.attempts, Scan.error).where(
                    Scan.id.in_(ids)
                )
            ).all()
        if len(rows) == len(set(ids)) and all(
            r.status == ScanStatus.DONE and r.verdict for r in rows
        ):
            return list(rows)
        return None

    try:
        return wait_until(check, timeout, f"{len(ids)} scans to finish", interval=0.3)
    except AssertionError:
        with sessions_of(app)() as db:
            left = db.execute(
                select(Scan.id, Scan.status, Scan.attempts).where(
                    Scan.id.in_(ids), Scan.status != ScanStatus.DONE
                )
            ).all()
        tails = "\n".join(p.tail(40) for p in procs)
        raise AssertionError(f"not finished: {left}\n{tails}") from None


def assert_results_recorded_once(app: Any) -> None:
    """No scan row twice for one submission, no finding recorded twice for one scan."""
    with sessions_of(app)() as db:
        dupes = db.execute(
            select(Finding.scan_id, Finding.ordinal, func.count())
            .group_by(Finding.scan_id, Finding.ordinal)
            .having(func.count() > 1)
        ).all()
        stuck = db.scalar(
            select(func.count())
            .select_from(Scan)
            .where(Scan.kind == ScanKind.FILE, Scan.status != ScanStatus.DONE)
        )
    assert dupes == []
    assert stuck == 0
