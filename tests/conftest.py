"""Shared fixtures: settings on a temporary home, real databases (SQLite, PostgreSQL),
the real Redis, and databases migrated with the real Alembic migrations.

PostgreSQL and Redis are the services on this machine (127.0.0.1:5432, user postgres;
127.0.0.1:6379). Outside CI a test that needs an unreachable service is skipped; under
``CI=true`` it FAILS, so a broken CI environment cannot pass silently.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.optional import in_ci

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 9  # a DB number of our own; flushed


def service_missing(what: str) -> None:
    """Fail under CI, skip elsewhere."""
    if in_ci():
        pytest.fail(f"{what} is required under CI=true but is not reachable", pytrace=False)
    pytest.skip(f"{what} not reachable")


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    """Settings on a fresh home: SQLite database, embedded broker, local blobs."""
    from weightscan.core.settings import Settings

    home = tmp_path / "home"
    home.mkdir()
    return Settings(home=home, secret_key="test-secret", stale_after_seconds=60, max_attempts=3)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    if not port_open(PG_HOST, PG_PORT):
        service_missing(f"PostgreSQL on {PG_HOST}:{PG_PORT}")
    import psycopg

    name = f"weightscan_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname=postgres"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        service_missing(f"PostgreSQL ({exc})")
    try:
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> str:
    """The real Redis, on a database number of our own, flushed before the test."""
    if not port_open(REDIS_HOST, REDIS_PORT):
        service_missing(f"Redis on {REDIS_HOST}:{REDIS_PORT}")
    import redis

    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
    try:
        redis.Redis.from_url(url, socket_timeout=5).flushdb()
    except redis.RedisError as exc:
        service_missing(f"Redis ({exc})")
    return url


@pytest.fixture(scope="session")
def _migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from weightscan.core.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "migrated.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def migrated_db(tmp_path: Path, _migrated_sqlite_template: Path) -> str:
    """A SQLite database at the Alembic head (the real migrations, never create_all):
    migrated once per session, copied per test."""
    import shutil

    path = tmp_path / "test.db"
    shutil.copyfile(_migrated_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_postgres(postgres_url: str) -> str:
    """The session's PostgreSQL database at the Alembic head."""
    from weightscan.core.migrate import upgrade

    upgrade(postgres_url)
    return postgres_url


@pytest.fixture
def sessions(migrated_db: str) -> Iterator[Any]:
    """A sessionmaker on a migrated SQLite database."""
    from weightscan.core.db import make_engine, make_sessionmaker

    engine = make_engine(migrated_db)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def blobstore(tmp_path: Path) -> Any:
    from weightscan.core.blobstore import LocalBlobStore

    return LocalBlobStore(tmp_path / "blobs")
