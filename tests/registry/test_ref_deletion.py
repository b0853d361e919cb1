"""Issue 12: a ``repo.content`` webhook that only deletes refs is acknowledged (2xx) and
creates no scan, over real HTTP."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tests.registry.conftest import (
    HF_SECRET,
    RecordingExpansions,
    migrated_database,
    registry_settings,
)
from tests.security.live import serve
from weightscan.core.models import Scan


def deletion(refs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "event": {"action": "update", "scope": "repo.content"},
        "repo": {
            "type": "model",
            "name": "org/model",
            "id": "1",
            "private": False,
            "headSha": "a" * 40,
        },
        "updatedRefs": refs,
        "webhook": {"id": "w", "version": 3},
    }


def test_a_deleted_ref_is_acknowledged_without_a_scan(tmp_path: Any, registry: Any) -> None:
    from weightscan.web import create_app

    settings = registry_settings(tmp_path, registry)
    migrated_database(settings)
    app = create_app(settings)
    sent: list[Any] = []
    RecordingExpansions(app, sent)
    try:
        with serve(app) as live:
            headers = {"X-Webhook-Secret": HF_SECRET}
            gone = live.post_json(
                "/api/v1/webhooks/huggingface",
                deletion([{"ref": "refs/heads/old", "oldSha": "b" * 40, "newSha": None}]),
                headers,
            )
            assert gone.status == 200, gone.body
            assert gone.json()["scan_ids"] == []
            two = live.post_json(
                "/api/v1/webhooks/huggingface",
                deletion(
                    [
                        {"ref": "refs/tags/v1", "oldSha": "c" * 40, "newSha": None},
                        {"ref": "refs/pr/3", "oldSha": "d" * 40, "newSha": None},
                    ]
                ),
                headers,
            )
            assert two.status == 200
            mixed = live.post_json(
                "/api/v1/webhooks/huggingface",
                deletion(
                    [
                        {"ref": "refs/heads/old", "oldSha": "b" * 40, "newSha": None},
                        {"ref": "refs/heads/main", "oldSha": "b" * 40, "newSha": "e" * 40},
                    ]
                ),
                headers,
            )
            assert mixed.status == 202
            assert len(mixed.json()["scan_ids"]) == 1
    finally:
        with app.extensions["weightscan.sessionmaker"]() as db:
            groups = db.scalar(select(func.count()).select_from(Scan))
        app.extensions["weightscan.engine"].dispose()
    assert groups == 1  # only the mixed delivery's new sha
    assert len(sent) == 1
