"""Fixtures: the fake registry servers, a fetch policy that admits only them, and a
recorder of every outgoing TCP connection (none may leave the allowed loopback pair)."""

from __future__ import annotations

import socket

import pytest

from tests.registry.fake_registry import CallbackReceiver, FakeRegistry
from weightscan.core.fetch import FetchPolicy, parse_networks

ALLOWED_HOSTS = ("127.0.0.1", "127.0.0.2")


@pytest.fixture
def registry():
    reg = FakeRegistry(slow_seconds=2.0)
    yield reg
    reg.close()


@pytest.fixture
def receiver():
    rec = CallbackReceiver()
    yield rec
    rec.close()


@pytest.fixture
def policy(registry) -> FetchPolicy:
    return FetchPolicy(
        allowed_schemes=("http",),
        allowed_hosts=ALLOWED_HOSTS,
        allow_private=parse_networks(ALLOWED_HOSTS),
        max_bytes=1 << 20,
        connect_timeout=2.0,
        read_timeout=1.0,
        total_timeout=5.0,
        max_redirects=3,
        token=registry.token,
        token_host="127.0.0.1",
    )


@pytest.fixture
def connections(monkeypatch):
    """Every address a TCP connection is opened to; anything off-loopback fails the test."""
    seen: list[tuple[str, int]] = []
    real = socket.create_connection

    def recording(address, *args, **kwargs):
        host, port = address[0], address[1]
        seen.append((host, port))
        assert str(host).startswith("127."), f"connection attempted to {host}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recording)
    return seen


# -- a migrated database, blob store and settings pointing at the fake registry -----------

CALLBACK_SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # 24 bytes, base64
STANDARD_SECRET = "whsec_" + "c3RhbmRhcmQtd2ViaG9vay1zZWNyZXQtMzI="
HF_SECRET = "hf-webhook-secret"


def registry_settings(home, registry, receiver=None, **changes):
    from weightscan.core.settings import Settings

    base = Settings(
        home=home,
        secret_key="test-secret-key",
        allow_anonymous=True,
        rate_limit="",
        broker_url="filesystem://",
        max_upload_bytes=8 << 20,
        hf_endpoint=registry.endpoint,
        hf_token="",
        hf_webhook_secrets=("old-rotated-secret", HF_SECRET),
        standard_webhook_secrets=(STANDARD_SECRET,),
        fetch_allowed_schemes=("http",),
        fetch_allowed_hosts=ALLOWED_HOSTS,
        fetch_allow_private=ALLOWED_HOSTS,
        fetch_timeout_seconds=2.0,
        fetch_max_redirects=3,
        fetch_max_bytes=4 << 20,
        callback_url=receiver.url if receiver is not None else "",
        callback_secret=CALLBACK_SECRET,
        callback_max_attempts=3,
        extra={"callback_backoff_schedule": (0.05, 0.1, 0.2)},
    )
    return base.replace(**changes)


_TEMPLATE: list = []


def migrated_database(settings) -> None:
    """Give ``settings`` a SQLite database at the migrations' head: the real Alembic
    migrations run once per session into a template file, which each test copies."""
    import shutil

    from weightscan.core.migrate import upgrade

    if not _TEMPLATE:
        import atexit
        import tempfile
        from pathlib import Path

        folder = tempfile.mkdtemp(prefix="ws-registry-db-")
        atexit.register(shutil.rmtree, folder, True)
        template = Path(folder) / "template.db"
        upgrade(f"sqlite:///{template}")
        _TEMPLATE.append(template)
    target = settings.resolved_database_url.removeprefix("sqlite:///")
    if settings.resolved_database_url.startswith("sqlite:///"):
        from pathlib import Path

        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_TEMPLATE[0], target)
    else:
        upgrade(settings.resolved_database_url)


class Service:
    """Settings + migrated SQLite + sessions + blob store, as a worker would have them."""

    def __init__(self, settings):
        from weightscan.core.blobstore import make_blobstore
        from weightscan.core.db import make_engine, make_sessionmaker

        self.settings = settings
        migrated_database(settings)
        self.engine = make_engine(settings.resolved_database_url)
        self.sessions = make_sessionmaker(self.engine)
        self.blobstore = make_blobstore(settings)

    def with_settings(self, **changes):
        self.settings = self.settings.replace(**changes)
        return self


@pytest.fixture
def service(tmp_path, registry, receiver):
    svc = Service(registry_settings(tmp_path, registry, receiver))
    yield svc
    svc.engine.dispose()


class RecordingExpansions:
    """A ``Dispatcher`` for an app under test: group expansions are recorded as
    ``(group id, token, force)`` instead of sent; scans and notifications still go to the
    app's Celery workers."""

    def __init__(self, app, sent: list) -> None:
        from weightscan.web.queue import celery_app
        from weightscan.worker.dispatch import CeleryDispatcher

        self.sent = sent
        self.real = CeleryDispatcher(celery_app)
        app.extensions["weightscan.dispatcher"] = self

    def scans(self, scan_ids):
        return self.real.scans(scan_ids)

    def expand(self, expansion) -> None:
        self.sent.append((expansion.group_id, expansion.token, expansion.force))

    def completed(self, scan_ids) -> None:
        self.real.completed(scan_ids)


class SentWork:
    """A ``Dispatcher`` that records what an expansion sends, checking that every scan id
    it is handed is already committed (queued) when it arrives."""

    def __init__(self, sessions=None) -> None:
        self.sessions = sessions
        self.scan_ids: list[str] = []
        self.expansions: list = []
        self.completed_ids: list[str] = []

    def scans(self, scan_ids) -> list[str]:
        scan_ids = list(scan_ids)
        if self.sessions is not None and scan_ids:
            from sqlalchemy import select

            from weightscan.core.models import Scan

            with self.sessions() as session:  # a fresh session sees only committed rows
                found = set(session.scalars(select(Scan.id).where(Scan.id.in_(scan_ids))))
            assert found == set(scan_ids), "work sent before its commit"
        self.scan_ids.extend(scan_ids)
        return []

    def expand(self, expansion) -> None:
        self.expansions.append(expansion)

    def completed(self, scan_ids) -> None:
        self.completed_ids.extend(scan_ids)


def expand_now(service, group_id, dispatcher=None, **kwargs):
    """Run a group's expansion as the worker task does (claim, fetch, record, commit,
    send), in process."""
    from weightscan.worker.registry_tasks import run_expansion

    sent = SentWork(service.sessions) if dispatcher is None else dispatcher
    before = len(sent.scan_ids)
    result = run_expansion(
        service.sessions, service.blobstore, service.settings, sent, group_id, **kwargs
    )
    assert sent.scan_ids[before:] == result.enqueued  # sent exactly once, after the commit
    return result
