"""The dedupe race on PostgreSQL, where concurrent transactions really overlap: the unique
constraint on (provider, dedupe_key) lets one delivery win, the others answer with its
group (they catch the IntegrityError)."""

from __future__ import annotations

import json
import secrets
import threading

import pytest
from sqlalchemy import func, select

from tests.registry.conftest import (
    HF_SECRET,
    STANDARD_SECRET,
    RecordingExpansions,
    registry_settings,
)
from weightscan.core.models import Scan, WebhookEvent
from weightscan.core.webhooks import standard_headers

pytestmark = pytest.mark.services


@pytest.fixture
def pg_app(tmp_path, registry, migrated_postgres):
    from weightscan.web import create_app

    sent: list[tuple[str, str | None, bool]] = []
    settings = registry_settings(tmp_path, registry, database_url=migrated_postgres)
    app = create_app(settings)
    RecordingExpansions(app, sent)
    yield app, sent
    app.extensions["weightscan.engine"].dispose()


def _race(app, post, n=8):
    barrier = threading.Barrier(n)
    answers: list[tuple[int, list[str]]] = []

    def deliver():
        with app.test_client() as client:
            barrier.wait()
            response = post(client)
            answers.append((response.status_code, response.get_json()["scan_ids"]))

    threads = [threading.Thread(target=deliver) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return answers


def test_concurrent_hf_repeats_make_one_group(pg_app):
    app, sent = pg_app
    sha = secrets.token_hex(20)
    doc = {
        "event": {"scope": "repo.content"},
        "repo": {"type": "model", "name": "org/race", "headSha": sha},
    }

    def post(client):
        return client.post(
            "/api/v1/webhooks/huggingface",
            data=json.dumps(doc),
            headers={"X-Webhook-Secret": HF_SECRET},
        )

    answers = _race(app, post)
    assert len(answers) == 8
    assert sorted(code for code, _ in answers) == [200] * 7 + [202]
    assert len({tuple(ids) for _, ids in answers}) == 1
    assert len(sent) == 1
    with app.extensions["weightscan.sessionmaker"]() as session:
        key = f"model/org/race@{sha}"
        assert (
            session.scalar(
                select(func.count()).select_from(WebhookEvent).where(WebhookEvent.dedupe_key == key)
            )
            == 1
        )
        assert session.get(Scan, answers[0][1][0]) is not None


def test_concurrent_standard_replays_are_refused(pg_app):
    app, sent = pg_app
    msg_id = "msg_" + secrets.token_hex(8)
    body = json.dumps({"data": {"repo": "org/race"}}).encode()

    def post(client):
        return client.post(
            "/api/v1/webhooks/standard",
            data=body,
            headers=standard_headers(msg_id, body, [STANDARD_SECRET]),
        )

    answers = _race(app, post)
    assert sorted(code for code, _ in answers) == [200] * 7 + [202]
    assert len(sent) == 1
