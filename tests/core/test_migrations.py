"""The real Alembic migrations: upgrade head on SQLite and PostgreSQL, and no drift."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from weightscan.core.db import make_engine
from weightscan.core.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    schema_drift,
    upgrade,
)

ROOT = Path(__file__).resolve().parents[2]


def _check(url: str) -> None:
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision()
        assert schema_drift(engine) == []
        tables = set(inspect(engine).get_table_names())
        assert {
            "files",
            "scans",
            "findings",
            "api_tokens",
            "webhook_events",
            "callback_deliveries",
        } <= tables
    finally:
        engine.dispose()


def test_upgrade_head_on_sqlite_has_no_drift(migrated_db):
    _check(migrated_db)


def test_upgrade_is_idempotent(migrated_db):
    upgrade(migrated_db)
    _check(migrated_db)


@pytest.mark.services
def test_upgrade_head_on_postgresql_has_no_drift(migrated_postgres):
    _check(migrated_postgres)


def test_downgrade_to_base_and_back(sqlite_url):
    from alembic import command

    upgrade(sqlite_url)
    command.downgrade(alembic_config(sqlite_url), "base")
    engine = make_engine(sqlite_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(sqlite_url)
    _check(sqlite_url)


def test_one_linear_history():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_weightscan_db_upgrade_command(tmp_path):
    env = {"WEIGHTSCAN_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "weightscan", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    _check(f"sqlite:///{tmp_path / 'weightscan.db'}")
    current = subprocess.run(
        [sys.executable, "-m", "weightscan", "db", "current"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert current.returncode == 0
    assert head_revision() in current.stdout
