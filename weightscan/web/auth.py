"""API tokens and who is asking.

Scopes: ``submit``, ``read``, ``admin`` (admin implies the others). A token reads only
the scans it submitted unless it is admin; in anonymous mode (settings) a local,
direct, same-site request without a token may submit and read everything
(``weightscan.web.anonymous`` says which requests qualify).

Token storage (``create_token``, ``verify_token``, ``revoke_token``) is
``weightscan.core.tokens``, shared with ``weightscan token``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app, g, request, session

from weightscan.core.models import ApiToken, Scan
from weightscan.core.tokens import verify_token
from weightscan.web.errors import AuthenticationRequiredError, ForbiddenError


@dataclass(frozen=True)
class Principal:
    """Who is asking: a token (``token_id``) or the anonymous user."""

    token_id: str | None
    scopes: frozenset[str] = field(default_factory=frozenset)
    name: str = "anonymous"

    @property
    def is_admin(self) -> bool:
        return "admin" in self.scopes

    @property
    def anonymous(self) -> bool:
        return self.token_id is None

    def has(self, scope: str) -> bool:
        return self.is_admin or scope in self.scopes

    def can_see(self, scan: Scan) -> bool:
        return self.is_admin or self.anonymous or scan.owner_token_id == self.token_id

    def can_delete(self, scan: Scan) -> bool:
        if self.is_admin:
            return True
        if self.anonymous:
            return scan.owner_token_id is None
        return scan.owner_token_id == self.token_id


ANONYMOUS = Principal(None, frozenset({"submit", "read"}))
NOBODY = Principal(None, frozenset(), name="nobody")


def presented_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.headers.get("X-Api-Key") or None


def current_principal() -> Principal:
    """Resolve (once per request) the token from the headers or the page session."""
    if "principal" in g:
        principal: Principal = g.principal
        return principal
    from weightscan.web.db import get_session

    db = get_session()
    plaintext = presented_token()
    token: ApiToken | None = None
    if plaintext is not None:
        token = verify_token(db, plaintext)
        if token is None:
            raise AuthenticationRequiredError(
                "The API token is unknown, revoked or expired.",
                headers={"WWW-Authenticate": "Bearer"},
            )
    elif session.get("token_id") and (
        request.blueprint == "pages" or request.method in ("GET", "HEAD")
    ):
        # The page login is a cookie: good for reads and CSRF-checked forms only, so a
        # cross-site POST to the API cannot ride on it.
        token = db.get(ApiToken, session["token_id"])
        if token is not None and (
            token.revoked_at is not None
            or (token.expires_at is not None and token.expires_at <= datetime.now(UTC))
            or session.get("epoch") != (token.session_epoch or 0)
        ):
            token = None  # revoked, expired, or logged out since this cookie was issued
    if token is not None:
        principal = Principal(token.id, frozenset(token.scopes or ()), token.name)
        now = datetime.now(UTC)
        # A write per request would double the database work of a lookup; a minute's
        # precision is plenty for "last used".
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            token.last_used_at = now
            db.commit()
    elif current_app.config["WEIGHTSCAN_ANONYMOUS"]:
        principal = _anonymous_or_nobody()
    else:
        principal = NOBODY
    g.principal = principal
    return principal


def _anonymous_or_nobody() -> Principal:
    """ANONYMOUS if this token-less request passes the anonymous-mode checks (a local,
    direct, same-site request); else NOBODY, with the reason kept for the 401."""
    from weightscan.web.anonymous import anonymous_refusal, cross_site_write

    refusal = anonymous_refusal(current_app.config["WEIGHTSCAN_SETTINGS"])
    if refusal is not None:
        g.anonymous_refusal = refusal
        return NOBODY
    cross_site = cross_site_write()
    if cross_site is not None:
        raise ForbiddenError(cross_site, code_hint="cross_site")
    return ANONYMOUS


def require(scope: str) -> Principal:
    """The current principal, if it holds ``scope``; else 401 (no token) or 403."""
    principal = current_principal()
    if principal.has(scope):
        return principal
    if principal is NOBODY:
        raise AuthenticationRequiredError(
            g.get("anonymous_refusal")
            or "This server needs an API token: Authorization: Bearer ws_...",
            headers={"WWW-Authenticate": "Bearer"},
        )
    raise ForbiddenError(f"This token lacks the '{scope}' scope.")
