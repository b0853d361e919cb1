"""Fixtures for the access-control and web-security sweep: the real app on a SQLite
database built by the real migrations, tokens required (no anonymous use), a filesystem
broker (nothing is consumed unless a test runs the pipeline itself)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from weightscan.core.settings import Settings

MiB = 1024 * 1024


@pytest.fixture
def make_app(tmp_path: Path, migrated_db: str) -> Iterator[Callable[..., Any]]:
    """Build apps on one home and one migrated database; ``changes`` are Settings fields."""
    from weightscan.web import create_app

    made: list[Any] = []

    def factory(**changes: Any) -> Any:
        base = Settings(
            home=tmp_path / "home",
            database_url=migrated_db,
            secret_key="security-test-key",
            allow_anonymous=False,
            rate_limit="",
            max_upload_bytes=MiB,
            broker_url="filesystem://",
        )
        app = create_app(base.replace(**changes))
        app.config["TESTING"] = True
        made.append(app)
        return app

    yield factory
    for app in made:
        app.extensions["weightscan.engine"].dispose()


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def db_session(app: Any) -> Any:
    return app.extensions["weightscan.sessionmaker"]()


def new_token(
    app: Any, name: str, scopes: tuple[str, ...] = ("submit", "read"), **kwargs: Any
) -> tuple[str, str]:
    """(token id, plaintext) of a new committed token."""
    from weightscan.core.tokens import create_token

    with db_session(app) as db:
        row, plaintext = create_token(db, name, scopes, **kwargs)
        db.commit()
        return row.id, plaintext


def bearer(plaintext: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plaintext}"}


def put(
    client: Any, data: bytes, name: str = "model.pkl", token: str | None = None, **headers: str
) -> Any:
    sent = {"Content-Length": str(len(data)), **headers}
    if token:
        sent.update(bearer(token))
    return client.put(f"/api/v1/uploads/{name}", data=io.BytesIO(data), headers=sent)


def run_queued(app: Any) -> int:
    """Run every queued file scan with the real pipeline (what a worker does)."""
    from sqlalchemy import select

    from weightscan.core.models import Scan, ScanKind, ScanStatus
    from weightscan.core.scans.run import run_scan
    from weightscan.web.submission import blobstore

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


def login(client: Any, plaintext: str) -> Any:
    """Sign in through the HTML form (reads the CSRF token from the login page)."""
    import re

    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf, "the login form carries a CSRF token"
    return client.post("/login", data={"token": plaintext, "csrf_token": csrf.group(1)})


def csrf_of(client: Any, path: str = "/") -> str:
    import re

    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, f"no CSRF field on {path}"
    return found.group(1)
