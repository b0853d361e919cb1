"""Issue 14 #7: the server's registry token is a confused deputy unless it is attached
only to registry sources the caller may use.

Over real HTTP: a submit-only token names the registry host in a ``url`` source, or a
gated repository it has no access to; the worker's fetches must carry no
``Authorization``. An admin token, a webhook and the loopback operator (anonymous) may
use the server token for repository sources; a URL source never gets it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.registry.conftest import (
    RecordingExpansions,
    SentWork,
    migrated_database,
    registry_settings,
)
from tests.registry.fake_registry import FakeRepo
from tests.registry.samples import benign_pickle
from tests.security.live import serve


@pytest.fixture
def dispatched() -> Any:
    sent: list[tuple[str, str | None, bool]] = []
    return sent


def build_app(tmp_path: Any, registry: Any, dispatched: list[Any], **changes: Any) -> Any:
    from weightscan.web import create_app

    settings = registry_settings(tmp_path, registry, hf_token=registry.token, **changes)
    migrated_database(settings)
    app = create_app(settings)
    RecordingExpansions(app, dispatched)  # record instead of sending Celery messages
    return app


def new_token(app: Any, scopes: tuple[str, ...]) -> str:
    from weightscan.core.tokens import create_token

    with app.extensions["weightscan.sessionmaker"]() as db:
        _, plaintext = create_token(db, "t", scopes)
        db.commit()
    return plaintext


def expand(app: Any, dispatched: list[Any]) -> None:
    from weightscan.web.submission import blobstore
    from weightscan.worker.registry_tasks import run_expansion

    with app.app_context():
        for group_id, token, force in dispatched:
            run_expansion(
                app.extensions["weightscan.sessionmaker"],
                blobstore(),
                app.config["WEIGHTSCAN_SETTINGS"],
                SentWork(),
                group_id,
                token=token,
                force=force,
            )
    dispatched.clear()


def authorised_hub_requests(registry: Any) -> list[str]:
    return [
        e.path
        for e in registry.log
        if e.server == "hub" and "authorization" in {k.lower() for k in e.headers}
    ]


def gated_repo(registry: Any) -> FakeRepo:
    return registry.add_repo(FakeRepo("team/private", files={"w.bin": benign_pickle(7)}, gated=401))


def test_a_url_source_never_carries_the_server_token(tmp_path, registry, dispatched):
    app = build_app(tmp_path, registry, dispatched, allow_anonymous=False)
    repo = gated_repo(registry)
    submitter = new_token(app, ("submit", "read"))
    url = f"{registry.endpoint}/{repo.name}/resolve/main/w.bin"
    with serve(app) as live:
        reply = live.post_json(
            "/api/v1/scans",
            {"source": {"type": "url", "urls": [url]}},
            headers={"Authorization": f"Bearer {submitter}"},
        )
        assert reply.status == 202, reply.body
        expand(app, dispatched)
        assert authorised_hub_requests(registry) == []
        group = live.get(
            "/api/v1/scans/" + reply.json()["id"], headers={"Authorization": f"Bearer {submitter}"}
        ).json()
        assert group["files"][0]["verdict"] == "error", (group, registry.log)


def test_a_plain_token_gets_no_server_token_for_a_repository(tmp_path, registry, dispatched):
    app = build_app(tmp_path, registry, dispatched, allow_anonymous=False)
    gated_repo(registry)
    submitter = new_token(app, ("submit", "read"))
    with serve(app) as live:
        reply = live.post_json(
            "/api/v1/scans",
            {"source": {"repo": "team/private"}},
            headers={"Authorization": f"Bearer {submitter}"},
        )
        assert reply.status == 403, reply.body  # resolving without the server token
        assert authorised_hub_requests(registry) == []
        # its own registry token is used, and only it
        own = live.post_json(
            "/api/v1/scans",
            {"source": {"repo": "team/private", "token": registry.token}},
            headers={"Authorization": f"Bearer {submitter}"},
        )
        assert own.status == 202


def test_admin_and_anonymous_operator_may_use_the_server_token(tmp_path, registry, dispatched):
    app = build_app(tmp_path, registry, dispatched, allow_anonymous=False)
    gated_repo(registry)
    admin = new_token(app, ("admin",))
    with serve(app) as live:
        reply = live.post_json(
            "/api/v1/scans",
            {"source": {"repo": "team/private"}},
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert reply.status == 202, reply.body
        expand(app, dispatched)
        group = live.get(
            "/api/v1/scans/" + reply.json()["id"], headers={"Authorization": f"Bearer {admin}"}
        ).json()
        assert group["files"][0]["path"] == "w.bin"
        assert group["files"][0]["error"] is None
