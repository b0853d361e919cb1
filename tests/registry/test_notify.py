"""Outgoing callbacks to a real receiver: signatures, retries, Retry-After, no redirects."""

from __future__ import annotations

import json
import time

import pytest

from tests.registry.conftest import CALLBACK_SECRET
from weightscan.core.models import CallbackDelivery, DeliveryStatus, Scan, ScanKind, ScanStatus
from weightscan.core.notify import (
    attempt_delivery,
    backoff_seconds,
    parse_retry_after,
    prepare_deliveries,
)
from weightscan.core.webhooks import verify_standard


def _finished_group(service, callback_url=None) -> str:
    with service.sessions() as session:
        group = Scan(
            kind=ScanKind.GROUP,
            status=ScanStatus.DONE,
            verdict="malicious",
            source={"type": "huggingface", "repo": "org/x", "commit_sha": "a" * 40},
            callback_url=callback_url,
        )
        session.add(group)
        session.flush()
        session.add(
            Scan(
                kind=ScanKind.FILE,
                status=ScanStatus.DONE,
                verdict="malicious",
                group_id=group.id,
                filename="evil.pkl",
            )
        )
        session.commit()
        return group.id


def _prepare(service, scan_id) -> list[str]:
    with service.sessions() as session:
        ids = prepare_deliveries(session, service.settings, session.get(Scan, scan_id))
        session.commit()
        return ids


def _delivery(service, delivery_id) -> CallbackDelivery:
    with service.sessions() as session:
        return session.get(CallbackDelivery, delivery_id)


def test_signed_summary_is_delivered_once_per_target(service, receiver):
    group_id = _finished_group(service, callback_url=receiver.url + "?per-request")
    ids = _prepare(service, group_id)
    assert len(ids) == 2  # the configured URL and the request's own
    assert _prepare(service, group_id) == []  # completion reported twice: no new rows
    for delivery_id in ids:
        assert (
            attempt_delivery(service.sessions, service.settings, delivery_id).status == "delivered"
        )
    assert {e.path for e in receiver.log} == {"/hook", "/hook?per-request"}
    for entry in receiver.log:
        msg_id = verify_standard(entry.headers, entry.body, [CALLBACK_SECRET])
        assert msg_id in ids
        doc = json.loads(entry.body)
        assert doc["type"] == "scan.completed"
        assert doc["data"]["id"] == group_id
        assert doc["data"]["verdict"] == "malicious"
        assert doc["data"]["files"][0]["path"] == "evil.pkl"
    row = _delivery(service, ids[0])
    assert row.status == DeliveryStatus.DELIVERED
    assert row.attempts == 1
    assert row.last_status_code == 200


def test_retry_after_is_honoured_then_delivered(service, receiver):
    receiver.responses = [(503, {"Retry-After": "7"}), (500, {})]
    service.with_settings(callback_url="")
    [delivery_id] = _prepare(service, _finished_group(service, callback_url=receiver.url))
    first = attempt_delivery(service.sessions, service.settings, delivery_id)
    assert first.status == "pending"
    assert first.retry_in == 7
    assert first.status_code == 503
    # an early duplicate message is ignored until the delivery is due
    assert attempt_delivery(service.sessions, service.settings, delivery_id).status == "skipped"
    with service.sessions() as session:  # pretend 7 s passed
        row = session.get(CallbackDelivery, delivery_id)
        row.next_attempt_at = row.created_at
        session.commit()
    second = attempt_delivery(service.sessions, service.settings, delivery_id)
    assert second.status == "pending"
    assert 0.04 <= second.retry_in <= 0.13  # the test schedule, with jitter
    time.sleep(second.retry_in + 0.05)
    third = attempt_delivery(service.sessions, service.settings, delivery_id)
    assert third.status == "delivered"
    assert _delivery(service, delivery_id).attempts == 3
    assert len({e.headers["webhook-id"] for e in receiver.log}) == 1  # stable id


def test_gives_up_after_max_attempts(service, receiver):
    receiver.responses = [(500, {})] * 5
    [delivery_id] = _prepare(service, _finished_group(service))
    outcomes = []
    for _ in range(3):
        outcome = attempt_delivery(service.sessions, service.settings, delivery_id)
        outcomes.append(outcome.status)
        time.sleep((outcome.retry_in or 0) + 0.02)
    assert outcomes == ["pending", "pending", "failed"]
    row = _delivery(service, delivery_id)
    assert row.status == DeliveryStatus.FAILED
    assert row.last_error == "HTTP 500"


@pytest.mark.parametrize(
    ("status", "expected"), [(410, "failed"), (302, "pending"), (301, "pending")]
)
def test_gone_stops_and_redirects_are_not_followed(service, receiver, status, expected):
    receiver.responses = [(status, {"Location": "http://169.254.169.254/"})]
    [delivery_id] = _prepare(service, _finished_group(service))
    outcome = attempt_delivery(service.sessions, service.settings, delivery_id)
    assert outcome.status == expected
    assert outcome.status_code == status
    assert len(receiver.log) == 1


def test_forbidden_callback_url_is_refused_without_connecting(service, connections):
    service.with_settings(callback_url="http://10.0.0.1/hook")
    [delivery_id] = _prepare(service, _finished_group(service))
    outcome = attempt_delivery(service.sessions, service.settings, delivery_id)
    assert outcome.status == "failed"
    assert "refused" in _delivery(service, delivery_id).last_error
    assert connections == []


def test_backoff_and_retry_after_parsing():
    assert 4 <= backoff_seconds(1) <= 6
    assert 240 <= backoff_seconds(2) <= 360
    assert backoff_seconds(50) <= 86400 * 1.2
    assert backoff_seconds(3, retry_after=10**9) == 86400
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert parse_retry_after("soon") is None
