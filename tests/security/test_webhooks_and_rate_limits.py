"""Webhook secret rotation (every configured secret accepted, a removed one refused) and
rate limiting (429 + Retry-After; counters shared through Redis in distributed mode)."""

from __future__ import annotations

import json

import pytest

from tests.security.conftest import bearer, new_token
from weightscan.core.webhooks import new_standard_secret, standard_headers

IGNORED_EVENT = json.dumps({"event": {"scope": "repo", "action": "update"}}).encode()
NOT_AN_OBJECT = json.dumps({"data": 5}).encode()  # passes auth, then fails validation


def hf(client, secret: str | None):
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Webhook-Secret"] = secret
    return client.post("/api/v1/webhooks/huggingface", data=IGNORED_EVENT, headers=headers)


def standard(client, secrets_: list[str], msg_id: str):
    headers = {
        "Content-Type": "application/json",
        **standard_headers(msg_id, NOT_AN_OBJECT, secrets_),
    }
    return client.post("/api/v1/webhooks/standard", data=NOT_AN_OBJECT, headers=headers)


def test_hugging_face_secret_rotation(make_app):
    both = make_app(hf_webhook_secrets=("old-secret", "new-secret")).test_client()
    assert hf(both, "old-secret").status_code == 200
    assert hf(both, "new-secret").status_code == 200
    for wrong in ("retired-secret", "", None, "old-secret ", "OLD-SECRET"):
        assert hf(both, wrong).status_code == 401, wrong
    rotated = make_app(hf_webhook_secrets=("new-secret",)).test_client()
    assert hf(rotated, "new-secret").status_code == 200
    assert hf(rotated, "old-secret").status_code == 401
    assert hf(make_app(hf_webhook_secrets=()).test_client(), "").status_code == 401


def test_standard_webhook_secret_rotation(make_app):
    old, new, retired = new_standard_secret(), new_standard_secret(), new_standard_secret()
    both = make_app(standard_webhook_secrets=(old, new)).test_client()
    assert standard(both, [old], "msg_1").status_code == 400  # authenticated, then invalid
    assert standard(both, [new], "msg_2").status_code == 400
    assert standard(both, [retired], "msg_3").status_code == 401
    assert standard(both, [retired, new], "msg_4").status_code == 400  # sender mid-rotation
    rotated = make_app(standard_webhook_secrets=(new,)).test_client()
    assert standard(rotated, [old], "msg_5").status_code == 401
    assert standard(rotated, [new], "msg_6").status_code == 400
    stale = standard_headers("msg_7", NOT_AN_OBJECT, [new], now=0)
    assert rotated.post(
        "/api/v1/webhooks/standard", data=NOT_AN_OBJECT, headers=stale
    ).status_code in (400, 401)


def assert_429(response) -> None:
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "RateLimitedError"


def test_rate_limit_answers_429_with_retry_after(make_app):
    app = make_app(rate_limit="3/minute")
    client = app.test_client()
    _a, alice = new_token(app, "alice")
    _b, bob = new_token(app, "bob")
    for _ in range(3):
        assert client.get("/api/v1/scans", headers=bearer(alice)).status_code == 200
    assert_429(client.get("/api/v1/scans", headers=bearer(alice)))
    assert client.get("/api/v1/scans", headers=bearer(bob)).status_code == 200  # per token
    assert client.get("/healthz").status_code == 200  # exempt


@pytest.mark.services
def test_rate_limit_counters_are_shared_through_redis(make_app, redis_url):
    """Two app instances (two gunicorn processes) count against one Redis limit."""
    first = make_app(rate_limit="4/minute", rate_limit_storage_url=redis_url)
    second = make_app(rate_limit="4/minute", rate_limit_storage_url=redis_url)
    _id, token = new_token(first, "shared")
    one, two = first.test_client(), second.test_client()
    for client in (one, two, one, two):
        assert client.get("/api/v1/scans", headers=bearer(token)).status_code == 200
    assert_429(one.get("/api/v1/scans", headers=bearer(token)))
    assert_429(two.get("/api/v1/scans", headers=bearer(token)))
    import redis

    keys = redis.Redis.from_url(redis_url).keys("*")
    assert keys, "the limiter keeps its counters in Redis"


def test_rate_limit_storage_outage_fails_open(make_app):
    """The documented choice (web/ratelimit.py, swallow_errors): a dead limiter store must
    not take the API down."""
    from tests.integration.procs import free_port

    app = make_app(
        rate_limit="2/minute", rate_limit_storage_url=f"redis://127.0.0.1:{free_port()}/0"
    )
    _id, token = new_token(app, "t")
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/scans", headers=bearer(token)).status_code == 200


def test_rate_limit_is_one_budget_across_the_api(make_app):
    app = make_app(rate_limit="3/minute")
    client = app.test_client()
    _id, token = new_token(app, "spread")
    paths = ["/api/v1/scans", "/api/v1/tokens", "/api/v1/files/" + "0" * 64, "/api/v1/scans/scn_x"]
    codes = [client.get(p, headers=bearer(token)).status_code for p in paths]
    assert codes[-1] == 429, codes
