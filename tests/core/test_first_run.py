"""Issue 12 "First run of the service": nothing answers with a traceback or a 500 on a
database nobody migrated. Embedded mode (SQLite) migrates itself; a shared database makes
``serve``, ``worker`` and ``token`` stop with a message naming ``weightscan db upgrade``;
the web app itself answers 503 saying so."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_HOST, PG_PORT, PG_USER, port_open, service_missing

ROOT = Path(__file__).resolve().parents[2]


def run_cli(home: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WEIGHTSCAN_")}
    clean.update(WEIGHTSCAN_HOME=str(home), PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "weightscan", *argv],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A PostgreSQL database with no tables at all (nobody ran the migrations)."""
    if not port_open(PG_HOST, PG_PORT):
        service_missing(f"PostgreSQL on {PG_HOST}:{PG_PORT}")
    import psycopg

    name = f"weightscan_unmigrated_{os.getpid()}_{secrets.token_hex(3)}"
    admin = f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname=postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_token_create_on_a_fresh_embedded_home_just_works(tmp_path: Path) -> None:
    done = run_cli(tmp_path / "home", "token", "create", "--name", "first")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("ws_")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ("token", "create", "--name", "ci"),
        ("token", "list"),
        ("worker", "--concurrency", "1"),
        ("serve", "--no-worker", "--host", "127.0.0.1", "--port", "0"),
    ],
)
def test_a_shared_database_nobody_migrated_is_named(
    tmp_path: Path, empty_postgres: str, argv: tuple[str, ...]
) -> None:
    done = run_cli(
        tmp_path / "home",
        *argv,
        WEIGHTSCAN_DATABASE_URL=empty_postgres,
        WEIGHTSCAN_BROKER_URL="redis://127.0.0.1:6379/9",
    )
    assert done.returncode == 2, (done.stdout, done.stderr[-2000:])
    assert "weightscan db upgrade" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_web_app_on_an_unmigrated_database_says_so(tmp_path: Path) -> None:
    from tests.security.live import serve
    from weightscan.core.settings import Settings
    from weightscan.web import create_app
    from weightscan.web.db import dispose_engines

    app = create_app(
        Settings(
            home=tmp_path / "home",
            secret_key="k",
            allow_anonymous=True,
            rate_limit="",
            broker_url="filesystem://",
        )
    )
    try:
        with serve(app) as live:
            for reply in (
                live.put_file("m.pkl", b"\x80\x04N."),
                live.get("/api/v1/scans"),
                live.get("/api/v1/files/" + "a" * 64),
            ):
                assert reply.status == 503, reply.body[:300]
                assert "weightscan db upgrade" in reply.json()["detail"]
    finally:
        dispose_engines(app)
