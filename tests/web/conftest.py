"""Fixtures for the web tests: a real app on a temp SQLite database built by the real
migrations (create_all only until migrations land), a real blob directory, and helpers to
run queued scans with the real pipeline."""

from __future__ import annotations

import contextlib
import io
import pickle
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from weightscan.core.settings import Settings
from weightscan.web.db import dispose_engines

ROOT = Path(__file__).resolve().parents[2]


def migrate(url: str) -> None:
    """Bring a database to the current schema with the real Alembic migrations."""
    from weightscan.core.migrate import upgrade

    upgrade(url)


def make_settings(home: Path, **changes: Any) -> Settings:
    base = Settings(
        home=home,
        secret_key="test-secret-key",
        allow_anonymous=True,
        rate_limit="",
        max_upload_bytes=5 * 1024 * 1024,
        broker_url="",
    )  # the embedded default: kombu SQLAlchemy transport
    return base.replace(**changes)


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file brought to head by the real migrations; tests get copies of it."""
    path = tmp_path_factory.mktemp("schema") / "weightscan.db"
    migrate(f"sqlite:///{path}")
    return path


def fresh_database(home: Path, template: Path) -> None:
    import shutil

    home.mkdir(parents=True, exist_ok=True)
    target = home / "weightscan.db"
    if not target.exists():
        shutil.copyfile(template, target)


@pytest.fixture
def settings(tmp_path: Path, migrated_db: Path) -> Settings:
    fresh_database(tmp_path, migrated_db)
    return make_settings(tmp_path)


@pytest.fixture
def make_app(tmp_path: Path, migrated_db: Path) -> Iterator[Callable[..., Any]]:
    from weightscan.web import create_app

    made = []

    def factory(**changes: Any) -> Any:
        s = make_settings(tmp_path, **changes)
        fresh_database(tmp_path, migrated_db)
        app = create_app(s)
        app.config["TESTING"] = True
        made.append(app)
        return app

    yield factory
    for app in made:
        dispose_engines(app)


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def run_queued(app: Any) -> Callable[[], int]:
    """Run every queued file scan with the real pipeline (what a worker would do)."""
    from sqlalchemy import select

    from weightscan.core.models import Scan, ScanKind, ScanStatus
    from weightscan.core.scans.run import run_scan
    from weightscan.web.submission import blobstore

    def run() -> int:
        with app.app_context():
            store = blobstore()
            factory = app.extensions["weightscan.sessionmaker"]
            with factory() as db:
                ids = list(
                    db.scalars(
                        select(Scan.id).where(
                            Scan.kind == ScanKind.FILE, Scan.status == ScanStatus.QUEUED
                        )
                    )
                )
            for scan_id in ids:
                run_scan(factory, store, scan_id, app.config["WEIGHTSCAN_SETTINGS"])
            return len(ids)

    return run


@pytest.fixture
def background_runner(run_queued: Callable[[], int]) -> Iterator[Callable[[float], None]]:
    threads = []

    def start(delay: float) -> None:
        """After ``delay``, act as a worker until at least one queued scan has run (the
        submission may still be in flight on a loaded machine)."""

        def work() -> None:
            time.sleep(delay)
            deadline = time.monotonic() + 20
            while not run_queued() and time.monotonic() < deadline:
                time.sleep(0.05)

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        threads.append(thread)

    yield start
    for t in threads:
        t.join(10)


# -- fixtures: model files built in code --------------------------------------------
def clean_pickle() -> bytes:
    return pickle.dumps({"weights": [1.0, 2.0, 3.0], "name": "tiny"}, protocol=4)


def malicious_pickle(command: str = "touch /tmp/weightscan-web-test") -> bytes:
    """GLOBAL os.system + REDUCE: never executed, only scanned."""
    cmd = command.encode()
    return (
        b"\x80\x02cos\nsystem\nq\x00X"
        + struct.pack("<I", len(cmd))
        + cmd
        + b"q\x01\x85q\x02Rq\x03."
    )


def upload(client: Any, data: bytes, name: str = "model.pkl", **kwargs: Any) -> Any:
    return client.put(
        f"/api/v1/uploads/{name}",
        data=io.BytesIO(data),
        headers={"Content-Length": str(len(data)), **kwargs.pop("headers", {})},
        **kwargs,
    )


# -- a live service: real HTTP server in a thread + a real Celery worker process ---------
class LiveService:
    def __init__(self, url: str, app: Any, home: Path) -> None:
        self.url = url
        self.app = app
        self.home = home


def worker_env(home: Path, **extra: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIGHTSCAN_")}
    env.update(
        WEIGHTSCAN_HOME=str(home),
        WEIGHTSCAN_SECRET_KEY="test-secret-key",
        WEIGHTSCAN_SWEEP_INTERVAL_SECONDS="5",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def start_worker(home: Path, **extra: str) -> Any:
    """``celery worker`` as a separate process, exactly as deployed (solo pool: one scan at
    a time, quick to start)."""
    import subprocess
    import sys

    log = (home / "worker.log").open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "weightscan.worker.entrypoint:app",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=worker_env(home, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_process(proc: Any) -> None:
    proc.kill()  # a test worker holds nothing worth a warm shutdown
    try:
        proc.wait(10)
    except Exception:
        proc.kill()
        proc.wait(5)


@contextlib.contextmanager
def running_service(home: Path, **env: str) -> Iterator[LiveService]:
    """The app behind a real HTTP server (thread) plus a real worker process; ``env`` are
    extra WEIGHTSCAN_* variables (e.g. PostgreSQL and Redis URLs) for both."""
    from werkzeug.serving import make_server

    from weightscan.web import create_app

    changes: dict[str, Any] = {}
    if "WEIGHTSCAN_DATABASE_URL" in env:
        changes["database_url"] = env["WEIGHTSCAN_DATABASE_URL"]
    if "WEIGHTSCAN_BROKER_URL" in env:
        changes["broker_url"] = env["WEIGHTSCAN_BROKER_URL"]
    settings = make_settings(home, **changes)
    migrate(settings.resolved_database_url)
    app = create_app(settings)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    worker = start_worker(home, **env)
    try:
        yield LiveService(f"http://127.0.0.1:{srv.server_port}", app, home)
    finally:
        stop_process(worker)
        srv.shutdown()
        thread.join(5)
        dispose_engines(app)


@pytest.fixture(scope="module")
def live_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveService]:
    with running_service(tmp_path_factory.mktemp("live")) as live:
        yield live
