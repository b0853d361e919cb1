"""Fixtures for the fault-injection tests: our own Redis / PostgreSQL processes (never the
machine's shared ones), which the tests kill and restart. Missing binaries skip, but
FAIL under CI=true (like the shared-service fixtures in tests/conftest.py)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import service_missing
from tests.faults.services import OwnPostgres, OwnRedis, postgres_bindir


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    if not shutil.which("redis-server"):
        service_missing("redis-server binary")
    server = OwnRedis(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    if postgres_bindir() is None:
        service_missing("PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
    # Not under pytest's tmp_path: the postgres user must be able to reach it.
    workdir = Path(tempfile.mkdtemp(prefix="weightscan-pg-"))
    server = OwnPostgres(workdir / "cluster")
    try:
        server.init()
    except Exception as exc:  # e.g. no postgres user to run initdb as
        shutil.rmtree(workdir, ignore_errors=True)
        service_missing(f"a throw-away PostgreSQL cluster ({exc})")
    yield server
    server.stop("immediate")
    shutil.rmtree(workdir, ignore_errors=True)
