"""The webhook receivers through the real Flask app (test client) and a migrated database."""

from __future__ import annotations

import json
import statistics
import threading
import time

import pytest
from sqlalchemy import func, select

from tests.registry.conftest import (
    HF_SECRET,
    STANDARD_SECRET,
    RecordingExpansions,
    migrated_database,
    registry_settings,
)
from weightscan.core.models import Scan, ScanKind, WebhookEvent
from weightscan.core.webhooks import standard_headers

SHA_A = "a" * 40
SHA_B = "b" * 40


@pytest.fixture
def dispatched():
    """The groups handed to workers (recorded instead of sent as Celery messages)."""
    sent: list[tuple[str, str | None, bool]] = []
    return sent


@pytest.fixture
def app(tmp_path, registry, dispatched):
    from weightscan.web import create_app

    settings = registry_settings(tmp_path, registry)
    migrated_database(settings)
    application = create_app(settings)
    application.config["TESTING"] = True
    RecordingExpansions(application, dispatched)
    yield application
    application.extensions["weightscan.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def hf_payload(*, scope="repo.content", head=SHA_A, refs=None, name="org/model"):
    doc = {
        "event": {"action": "update", "scope": scope},
        "repo": {
            "type": "model",
            "name": name,
            "id": "123",
            "private": False,
            "headSha": head,
            "url": {"web": "https://evil.example/", "api": "x"},
        },
        "webhook": {"id": "w1", "version": 3},
    }
    if refs is not None:
        doc["updatedRefs"] = refs
    return doc


def post_hf(client, doc, secret=HF_SECRET):
    headers = {"X-Webhook-Secret": secret} if secret is not None else {}
    return client.post(
        "/api/v1/webhooks/huggingface",
        data=json.dumps(doc),
        headers=headers,
        content_type="application/json",
    )


def post_standard(client, doc, *, msg_id="msg_1", secret=STANDARD_SECRET, now=None, raw=None):
    body = raw if raw is not None else json.dumps(doc).encode()
    headers = standard_headers(msg_id, body, [secret], now=now)
    return client.post(
        "/api/v1/webhooks/standard", data=body, headers=headers, content_type="application/json"
    )


def _groups(app):
    with app.extensions["weightscan.sessionmaker"]() as session:
        return session.scalars(select(Scan).where(Scan.kind == ScanKind.GROUP)).all()


# -- Hugging Face ---------------------------------------------------------------------------


def test_push_is_accepted_with_the_queued_group(client, app, dispatched):
    response = post_hf(client, hf_payload())
    assert response.status_code == 202
    body = response.get_json()
    assert body["accepted"] is True
    [group_id] = body["scan_ids"]
    assert dispatched == [(group_id, None, False)]
    [group] = _groups(app)
    assert group.status.value == "queued"
    assert group.source["repo"] == "org/model"
    assert group.source["revision"] == SHA_A
    assert group.source["trigger"] == "webhook"
    assert "evil.example" not in json.dumps(group.source)  # payload URLs are ignored
    assert client.get(f"/api/v1/scans/{group_id}").status_code == 200


def test_rotated_secret_is_accepted(client):
    assert post_hf(client, hf_payload(), secret="old-rotated-secret").status_code == 202


@pytest.mark.parametrize("secret", [None, "", "wrong", HF_SECRET + "x"])
def test_wrong_or_missing_secret_is_401_problem(client, dispatched, secret):
    response = post_hf(client, hf_payload(), secret=secret)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 401
    assert dispatched == []


def test_secret_is_checked_before_the_body_is_parsed(client):
    response = client.post(
        "/api/v1/webhooks/huggingface", data=b"{not json", headers={"X-Webhook-Secret": "wrong"}
    )
    assert response.status_code == 401
    response = client.post(
        "/api/v1/webhooks/huggingface", data=b"{not json", headers={"X-Webhook-Secret": HF_SECRET}
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("scope", ["repo", "repo.config", "discussion", "discussion.comment"])
def test_other_scopes_are_acknowledged_and_ignored(client, app, dispatched, scope):
    response = post_hf(client, hf_payload(scope=scope))
    assert response.status_code == 200
    assert response.get_json()["scan_ids"] == []
    assert dispatched == []
    assert _groups(app) == []


def test_updated_refs_each_new_sha_scanned_deletions_skipped(client, dispatched):
    refs = [
        {"ref": "refs/heads/main", "oldSha": "c" * 40, "newSha": SHA_A},
        {"ref": "refs/pr/3", "oldSha": None, "newSha": SHA_B},
        {"ref": "refs/heads/old", "oldSha": "d" * 40, "newSha": None},
        {"ref": "refs/tags/v1", "oldSha": None, "newSha": SHA_A},
    ]  # same sha: one group
    body = post_hf(client, hf_payload(refs=refs, head="e" * 40)).get_json()
    assert len(body["scan_ids"]) == 2
    assert len(dispatched) == 2


def test_repeated_delivery_maps_to_the_same_group(client, app, dispatched):
    first = post_hf(client, hf_payload()).get_json()["scan_ids"]
    again = post_hf(client, hf_payload())
    assert again.status_code == 200
    assert again.get_json()["scan_ids"] == first
    assert len(dispatched) == 1
    assert len(_groups(app)) == 1
    other_repo = post_hf(client, hf_payload(name="org/other")).get_json()["scan_ids"]
    assert other_repo != first


def test_concurrent_repeats_race_to_one_group(app, dispatched):
    barrier = threading.Barrier(6)
    results = []

    def deliver():
        with app.test_client() as c:
            barrier.wait()
            results.append(post_hf(c, hf_payload(head=SHA_B)).get_json()["scan_ids"])

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 6
    assert len({tuple(r) for r in results}) == 1
    assert len(_groups(app)) == 1
    assert len(dispatched) == 1
    with app.extensions["weightscan.sessionmaker"]() as session:
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 1


@pytest.mark.parametrize(
    "doc",
    [
        {"event": {"scope": "repo.content"}, "repo": {"type": "model", "name": "org/x"}},
        {
            "event": {"scope": "repo.content"},
            "repo": {"type": "model", "name": "../../x", "headSha": SHA_A},
        },
        {
            "event": {"scope": "repo.content"},
            "repo": {"type": "kernel", "name": "o/x", "headSha": SHA_A},
        },
        [1, 2, 3],
    ],
)
def test_bad_payloads_are_400(client, doc):
    response = post_hf(client, doc)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_oversized_body_is_refused(client):
    response = client.post(
        "/api/v1/webhooks/huggingface",
        data=b"x" * (2 << 20),
        headers={"X-Webhook-Secret": HF_SECRET},
    )
    assert response.status_code == 413


# -- Standard Webhooks ------------------------------------------------------------------------


def test_standard_repository_request(client, app, dispatched, registry):
    doc = {
        "type": "scan.requested",
        "data": {
            "repo": "org/model",
            "revision": "main",
            "paths": ["*.bin"],
            "token": "hf_per_request",
        },
    }
    response = post_standard(client, doc)
    assert response.status_code == 202
    [group_id] = response.get_json()["scan_ids"]
    assert dispatched == [(group_id, "hf_per_request", False)]
    [group] = _groups(app)
    assert "token" not in json.dumps(group.source)
    assert group.source["paths"] == ["*.bin"]


def test_standard_url_request_with_callback(client, app, registry, receiver):
    url = f"{registry.endpoint}/org/m/resolve/main/a.bin"
    doc = {"type": "scan.requested", "data": {"urls": [url], "callback_url": receiver.url}}
    response = post_standard(client, doc)
    assert response.status_code == 202
    [group] = _groups(app)
    assert group.source["urls"] == [url]
    assert group.callback_url == receiver.url


def test_replayed_id_is_refused(client, app, dispatched):
    doc = {"data": {"repo": "org/model"}}
    first = post_standard(client, doc, msg_id="msg_replay")
    assert first.status_code == 202
    replay = post_standard(client, doc, msg_id="msg_replay")
    assert replay.status_code == 200
    assert replay.get_json()["accepted"] is False
    assert replay.get_json()["duplicate"] is True
    assert replay.get_json()["scan_ids"] == first.get_json()["scan_ids"]
    assert len(dispatched) == 1
    assert len(_groups(app)) == 1


def test_stale_timestamp_is_400(client, dispatched):
    response = post_standard(client, {"data": {"repo": "org/model"}}, now=time.time() - 3600)
    assert response.status_code == 400
    assert response.get_json()["code"] == "WebhookTimestampError"
    assert dispatched == []


def test_bad_signature_is_401(client, dispatched):
    from weightscan.core.webhooks import new_standard_secret

    response = post_standard(client, {"data": {"repo": "org/model"}}, secret=new_standard_secret())
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    # a valid signature over different bytes
    body = json.dumps({"data": {"repo": "org/model"}}).encode()
    headers = standard_headers("msg_x", body, [STANDARD_SECRET])
    response = client.post("/api/v1/webhooks/standard", data=body + b" ", headers=headers)
    assert response.status_code == 401
    assert dispatched == []


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"urls": ["http://169.254.169.254/latest/meta-data/"]}, "UrlNotAllowedError"),
        ({"urls": ["http://127.0.0.3:8080/x"]}, "UrlNotAllowedError"),
        ({"url": "file:///etc/passwd"}, "UrlNotAllowedError"),
        ({"repo": "org/model", "callback_url": "http://10.0.0.1/"}, "UrlNotAllowedError"),
        ({"repo": "not a repo"}, "BadRequestError"),
        ({"nothing": True}, "BadRequestError"),
    ],
)
def test_standard_bad_sources_are_400(client, dispatched, data, code, connections):
    response = post_standard(client, {"data": data})
    assert response.status_code == 400
    assert response.get_json()["code"] == code
    assert dispatched == []
    assert connections == []


def test_submit_source_through_the_scans_api(client, registry, dispatched):
    url = f"{registry.endpoint}/org/m/resolve/main/a.bin"
    response = client.post("/api/v1/scans", json={"source": {"type": "url", "url": url}})
    assert response.status_code == 202
    assert dispatched[0][0] == response.get_json()["id"]
    refused = client.post(
        "/api/v1/scans", json={"source": {"type": "url", "url": "http://10.0.0.1/x"}}
    )
    assert refused.status_code == 400
    assert refused.get_json()["code"] == "UrlNotAllowedError"


def test_openapi_lists_the_receivers(client):
    from weightscan.web.api.webhooks import openapi_paths

    assert set(openapi_paths()) == {
        "/api/v1/webhooks/huggingface",
        "/api/v1/webhooks/standard",
        "/api/v1/scans/{scan_id}/deliveries",
    }
    spec = client.get("/api/v1/openapi.json")
    if spec.status_code == 200:
        assert "/api/v1/webhooks/huggingface" in spec.get_json()["paths"]


def test_acknowledgement_latency(client, capsys):
    """p50 of the HF receiver's answer (new pushes, each a new group), printed."""
    timings = []
    for i in range(40):
        doc = hf_payload(head=f"{i:040x}")
        started = time.perf_counter()
        response = post_hf(client, doc)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 202
    p50 = statistics.median(timings) * 1000
    p95 = sorted(timings)[int(len(timings) * 0.95)] * 1000
    with capsys.disabled():
        print(f"\nwebhook ack latency: p50 {p50:.1f} ms, p95 {p95:.1f} ms (n=40)")
    # The target is p50 <= 50 ms; on a machine saturated by other jobs allow more, so the
    # suite does not flake (the printed figure is the measurement).
    import os

    busy = os.getloadavg()[0] > 2 * (os.cpu_count() or 1)
    assert p50 <= (200 if busy else 50)
    assert max(timings) < 1.0


def test_losing_the_insert_race_answers_with_the_winners_group(app):
    """Deterministic race: another delivery commits the same key between our check and our
    commit; the unique constraint refuses ours and we answer with the winner's group."""
    from weightscan.core.registry import add_group
    from weightscan.web.api.webhooks import _claim
    from weightscan.web.db import get_session

    factory = app.extensions["weightscan.sessionmaker"]
    with app.app_context():
        db = get_session()

        def make_group_while_another_wins():
            with factory() as other:
                winner = add_group(other, {"type": "huggingface", "repo": "org/r"})
                other.add(
                    WebhookEvent(provider="huggingface", dedupe_key="k", group_scan_id=winner.id)
                )
                other.commit()
                make_group_while_another_wins.winner = winner.id
            return add_group(db, {"type": "huggingface", "repo": "org/r"})

        group_id, created = _claim(db, "huggingface", "k", {}, make_group_while_another_wins)
        assert created is False
        assert group_id == make_group_while_another_wins.winner
    assert len(_groups(app)) == 1  # our group was rolled back with our event


def test_repository_submission_resolves_the_commit_at_once(client, registry, dispatched):
    from tests.registry.fake_registry import FakeRepo

    repo = registry.add_repo(FakeRepo("org/api", files={"a.bin": b"x"}))
    registry.add_repo(FakeRepo("org/locked", files={"a.bin": b"x"}, gated=403))
    ok = client.post("/api/v1/scans", json={"source": {"type": "huggingface", "repo": "org/api"}})
    assert ok.status_code == 202
    assert ok.get_json()["source"]["commit_sha"] == repo.branches["main"]
    assert len(dispatched) == 1
    missing = client.post("/api/v1/scans", json={"source": {"repo": "org/api", "revision": "nope"}})
    assert missing.status_code == 404
    gated = client.post("/api/v1/scans", json={"source": {"repo": "org/locked"}})
    assert gated.status_code == 403
    assert gated.mimetype == "application/problem+json"
    opened = client.post(
        "/api/v1/scans", json={"source": {"repo": "org/locked", "token": registry.token}}
    )
    assert opened.status_code == 202
    assert dispatched[-1][1] == registry.token
    assert len(dispatched) == 2
