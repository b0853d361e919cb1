"""Webhook receivers: ``/api/v1/webhooks/huggingface`` and ``/api/v1/webhooks/standard``.

Each receiver reads a bounded raw body, authenticates it (HF: ``X-Webhook-Secret`` in
constant time against every configured secret; Standard Webhooks: HMAC signature plus a
timestamp window), only then parses it, records a ``WebhookEvent`` and a queued group
scan in one transaction, commits, and hands the group to a worker. It never contacts the
registry itself, so it answers in milliseconds: ``202 {"accepted": true, "scan_ids":
[...]}``. A repeated delivery (same repository and commit for HF; same ``webhook-id``
for Standard Webhooks) creates nothing and answers 200 with the original group's id. The
registry is always the configured ``hf_endpoint``: URLs inside a payload are ignored.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from weightscan.core.dispatch import Expansion, Work
from weightscan.core.fetch import FetchRefused, callback_policy, check_url, policy_from_settings
from weightscan.core.models import WebhookEvent
from weightscan.core.registry import (
    REPO_TYPES,
    SourceError,
    add_group,
    normalise_source,
)
from weightscan.core.settings import Settings
from weightscan.core.webhooks import (
    WebhookAuthError,
    WebhookStaleError,
    check_hf_secret,
    verify_standard,
)
from weightscan.web.db import get_session
from weightscan.web.errors import (
    ApiError,
    AuthenticationRequiredError,
    BadRequestError,
    PayloadTooLargeError,
)
from weightscan.web.queue import dispatcher

log = logging.getLogger("weightscan.webhooks")

bp = Blueprint("webhooks", __name__, url_prefix="/api/v1")

MAX_BODY_BYTES = 1 << 20
_SHA_CHARS = frozenset("0123456789abcdef")


class UrlNotAllowedError(ApiError):
    status, code, title = 400, "UrlNotAllowedError", "URL not allowed"


class WebhookTimestampError(ApiError):
    status, code, title = 400, "WebhookTimestampError", "Webhook timestamp outside the window"


def _settings() -> Settings:
    settings: Settings = current_app.config["WEIGHTSCAN_SETTINGS"]
    return settings


def _raw_body() -> bytes:
    """The body as sent (signatures cover these exact bytes), at most 1 MiB."""
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"webhook bodies are limited to {MAX_BODY_BYTES} bytes")
    body = request.stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"webhook bodies are limited to {MAX_BODY_BYTES} bytes")
    return body


def _json(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except ValueError:
        raise BadRequestError("the body is not valid JSON") from None
    if not isinstance(doc, dict):
        raise BadRequestError("the body must be a JSON object")
    return doc


def _accepted(new_ids: list[str], all_ids: list[str], **extra: Any) -> Response:
    response = jsonify({"accepted": True, "scan_ids": all_ids, **extra})
    response.status_code = 202 if new_ids else 200
    return response


def _claim(
    db: Session, provider: str, key: str, summary: dict[str, Any], make_group: Any
) -> tuple[str | None, bool]:
    """(group id, created?) for a dedupe key: a new group (committed with its event), or
    the one recorded before.

    Two deliveries racing on the same key: the unique constraint lets one commit win; the
    loser rolls back and answers with the winner's group.
    """
    existing = db.scalar(
        select(WebhookEvent.group_scan_id).where(
            WebhookEvent.provider == provider, WebhookEvent.dedupe_key == key
        )
    )
    if existing is not None:
        return existing, False
    group = make_group()
    group_id = group.id if group is not None else None
    db.add(
        WebhookEvent(
            provider=provider, dedupe_key=key[:300], group_scan_id=group_id, summary=summary
        )
    )
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        winner = db.scalar(
            select(WebhookEvent.group_scan_id).where(
                WebhookEvent.provider == provider, WebhookEvent.dedupe_key == key
            )
        )
        return winner, False
    return group_id, True


# -- Hugging Face -------------------------------------------------------------------------


@bp.post("/webhooks/huggingface")
def huggingface() -> Response:
    settings = _settings()
    body = _raw_body()
    if not check_hf_secret(request.headers.get("X-Webhook-Secret"), settings.hf_webhook_secrets):
        raise AuthenticationRequiredError("missing or wrong X-Webhook-Secret")
    doc = _json(body)
    event = _object(doc.get("event"))
    scope = str(event.get("scope", ""))
    if scope != "repo.content" and not scope.startswith("repo.content."):
        return jsonify(
            {"accepted": False, "ignored": f"scope {scope[:50]!r} is not scanned", "scan_ids": []}
        )
    repo = _object(doc.get("repo"))
    repo_type, name = repo.get("type", "model"), repo.get("name")
    shas = _updated_shas(doc, repo)
    if not shas and _only_deletions(doc):
        # A deleted branch or tag has nothing new to scan: acknowledge, scan nothing.
        return jsonify({"accepted": False, "ignored": "only deleted refs", "scan_ids": []})
    if repo_type not in REPO_TYPES or not isinstance(name, str) or not shas:
        raise BadRequestError(
            "repo.content payload needs repo.type, repo.name and a new sha "
            "(updatedRefs[].newSha or repo.headSha)"
        )
    db = get_session()
    new_ids: list[str] = []
    all_ids: list[str] = []
    for ref, sha in shas:
        try:
            source, _ = normalise_source(
                {"type": "huggingface", "repo": name, "repo_type": repo_type, "revision": sha}
            )
        except SourceError as exc:
            raise BadRequestError(str(exc)) from None
        source.update(trigger="webhook", ref=ref)

        def make_group(source: dict[str, Any] = source) -> Any:
            return add_group(db, source)

        key = f"{repo_type}/{name}@{sha}"
        group_id, created = _claim(
            db,
            "huggingface",
            key,
            {"scope": scope, "repo": name, "ref": ref, "sha": sha},
            make_group,
        )
        if group_id is not None:
            all_ids.append(group_id)
            if created:
                new_ids.append(group_id)
    db.commit()
    Work(expansions=[Expansion(group_id) for group_id in new_ids]).send(dispatcher())
    log.info(
        "hf webhook repo=%s new=%d duplicate=%d", name, len(new_ids), len(all_ids) - len(new_ids)
    )
    return _accepted(new_ids, all_ids)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _updated_shas(doc: dict[str, Any], repo: dict[str, Any]) -> list[tuple[str, str]]:
    """(ref, new sha) per updated ref; deleted refs (newSha null) are skipped; without
    ``updatedRefs`` the ``headSha`` of main."""
    out: dict[str, str] = {}
    refs = doc.get("updatedRefs")
    if isinstance(refs, list) and refs:
        for item in refs[:100]:
            if isinstance(item, dict) and _is_sha(item.get("newSha")):
                out.setdefault(item["newSha"].lower(), str(item.get("ref", ""))[:200])
    elif _is_sha(repo.get("headSha")):
        out[repo["headSha"].lower()] = "refs/heads/main"
    return [(ref, sha) for sha, ref in out.items()]


def _only_deletions(doc: dict[str, Any]) -> bool:
    """``updatedRefs`` lists refs and every one of them was deleted (``newSha`` null)."""
    refs = doc.get("updatedRefs")
    return (
        isinstance(refs, list)
        and bool(refs)
        and all(isinstance(item, dict) and item.get("newSha") is None for item in refs)
    )


def _is_sha(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 40 and set(value.lower()) <= _SHA_CHARS


# -- Standard Webhooks ----------------------------------------------------------------------


@bp.post("/webhooks/standard")
def standard() -> Response:
    settings = _settings()
    body = _raw_body()
    try:
        msg_id = verify_standard(
            dict(request.headers),
            body,
            settings.standard_webhook_secrets,
            tolerance=settings.webhook_tolerance_seconds,
        )
    except WebhookStaleError as exc:
        raise WebhookTimestampError(str(exc)) from None
    except WebhookAuthError as exc:
        raise AuthenticationRequiredError(str(exc)) from None
    doc = _json(body)
    data = doc.get("data", doc)
    if not isinstance(data, dict):
        raise BadRequestError("'data' must be an object")
    raw_source = data.get("source", data)
    callback_url = data.get("callback_url")
    if callback_url is not None and not isinstance(callback_url, str):
        raise BadRequestError("'callback_url' must be a string")
    try:
        source, token = normalise_source(raw_source, policy_from_settings(settings))
        if callback_url:
            check_url(callback_url, callback_policy(settings))
    except SourceError as exc:
        raise BadRequestError(str(exc)) from None
    except FetchRefused as exc:
        raise UrlNotAllowedError(exc.reason) from None
    source["trigger"] = "webhook"
    db = get_session()

    def make_group() -> Any:
        return add_group(db, source, callback_url=callback_url)

    group_id, created = _claim(
        db, "standard", msg_id, {"type": str(doc.get("type", ""))[:100]}, make_group
    )
    db.commit()
    if not created:
        log.info("standard webhook %s replayed: refused", msg_id[:64])
        return jsonify(
            {"accepted": False, "duplicate": True, "scan_ids": [group_id] if group_id else []}
        )
    assert group_id is not None
    Work(expansions=[Expansion(group_id, token)]).send(dispatcher())
    return _accepted([group_id], [group_id])


# -- deliveries of a scan's callbacks ---------------------------------------------------------


@bp.get("/scans/<scan_id>/deliveries")
def deliveries(scan_id: str) -> Response:
    """The recorded callback deliveries of a scan (status, attempts, last code/error)."""
    from weightscan.core.notify import deliveries_for
    from weightscan.web.api.common import visible_scan
    from weightscan.web.auth import require

    principal = require("read")
    db = get_session()
    scan = visible_scan(db, scan_id, principal)
    return jsonify({"scan_id": scan.id, "data": deliveries_for(db, scan.id)})


# -- OpenAPI ------------------------------------------------------------------------------------


def openapi_paths() -> dict[str, Any]:
    accepted = {
        "description": "Accepted: the ids of the queued group scans",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "accepted": {"type": "boolean"},
                        "scan_ids": {"type": "array", "items": {"type": "string"}},
                    },
                }
            }
        },
    }
    problem = {"description": "Problem", "content": {"application/problem+json": {}}}
    return {
        "/api/v1/webhooks/huggingface": {
            "post": {
                "summary": "Hugging Face Hub webhook: scan each updated ref's new commit",
                "parameters": [
                    {
                        "name": "X-Webhook-Secret",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {
                    "202": accepted,
                    "200": {"description": "Ignored scope, or a repeated delivery"},
                    "400": problem,
                    "401": problem,
                    "413": problem,
                },
            }
        },
        "/api/v1/webhooks/standard": {
            "post": {
                "summary": "Standard Webhooks receiver: scan file URLs or a repository revision",
                "parameters": [
                    {"name": n, "in": "header", "required": True, "schema": {"type": "string"}}
                    for n in ("webhook-id", "webhook-timestamp", "webhook-signature")
                ],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "type": {"type": "string"},
                                    "data": {"type": "object"},
                                },
                            }
                        }
                    }
                },
                "responses": {
                    "202": accepted,
                    "200": {"description": "Replayed webhook-id"},
                    "400": problem,
                    "401": problem,
                    "413": problem,
                },
            }
        },
        "/api/v1/scans/{scan_id}/deliveries": {
            "get": {
                "summary": "Callback deliveries recorded for a scan",
                "parameters": [
                    {
                        "name": "scan_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {"description": "{scan_id, data: [delivery]}"},
                    "401": problem,
                    "404": problem,
                },
            }
        },
    }
