"""``/api/v1/tokens``: create (admin), list, revoke API tokens. Secrets are shown once."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import select

from weightscan.core.models import ApiToken
from weightscan.core.reports import iso
from weightscan.core.tokens import SCOPES, create_token, revoke_token
from weightscan.web.api.blueprint import bp
from weightscan.web.auth import require
from weightscan.web.db import get_session
from weightscan.web.errors import BadRequestError, ForbiddenError, NotFoundError


def token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": list(token.scopes or ()),
        "created_at": iso(token.created_at),
        "last_used_at": iso(token.last_used_at),
        "expires_at": iso(token.expires_at),
        "revoked_at": iso(token.revoked_at),
    }


@bp.post("/tokens")
def create() -> Response:
    require("admin")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequestError('Send a JSON object: {"name", "scopes", "expires_in_days"}.')
    name, scopes = body.get("name"), body.get("scopes", ["submit", "read"])
    days = body.get("expires_in_days")
    if not isinstance(name, str) or not name.strip():
        raise BadRequestError("'name' is required.")
    if len(name) > 200 or not name.isprintable():  # PostgreSQL text cannot hold NUL
        raise BadRequestError("'name' is at most 200 printable characters.")
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise BadRequestError(f"'scopes' is a list among {', '.join(SCOPES)}.")
    if days is not None and (
        not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3650
    ):
        raise BadRequestError("'expires_in_days' is an integer from 1 to 3650.")
    db = get_session()
    try:
        token, plaintext = create_token(db, name.strip(), scopes, expires_in_days=days)
    except ValueError as exc:
        raise BadRequestError(str(exc)) from exc
    db.commit()
    response = jsonify({**token_json(token), "token": plaintext})
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/tokens/{token.id}"
    return response


@bp.get("/tokens")
def list_tokens() -> Response:
    principal = require("read")
    if principal.anonymous:
        return jsonify({"data": []})
    stmt = select(ApiToken).order_by(ApiToken.created_at.desc()).limit(500)
    if not principal.is_admin:
        stmt = stmt.where(ApiToken.id == principal.token_id)
    return jsonify({"data": [token_json(t) for t in get_session().scalars(stmt)]})


@bp.delete("/tokens/<token_id>")
def revoke(token_id: str) -> Response:
    principal = require("read")
    if not (principal.is_admin or principal.token_id == token_id):
        if principal.anonymous:
            raise ForbiddenError("Only an admin token (or the token itself) may revoke it.")
        raise NotFoundError(f"No token {token_id[:64]!r}.")
    db = get_session()
    if not revoke_token(db, token_id):
        raise NotFoundError(f"No live token {token_id[:64]!r}.")
    db.commit()
    return Response(status=204)
