"""API tokens and who is asking.

Tokens look like ``ws_<32 random bytes, urlsafe>``; only their SHA-256 is stored
(``ApiToken.token_hash``) with a short display prefix, and the plaintext is shown once by
``create_token``. Scopes: ``submit``, ``read``, ``admin`` (admin implies the others).
A token reads only the scans it submitted unless it is admin; in anonymous mode (settings)
a local, direct, same-site request without a token may submit and read everything
(``weightscan.web.anonymous`` says which requests qualify).

``create_token`` / ``verify_token`` / ``revoke_token`` are plain functions over a session,
used by ``weightscan token create`` as well as by the request hooks here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app, g, request, session
from sqlalchemy import select
from sqlalchemy.orm import Session

from weightscan.core.models import ApiToken, Scan
from weightscan.web.errors import AuthenticationRequiredError, ForbiddenError

TOKEN_PREFIX = "ws_"  # noqa: S105  (a public marker, not a secret)
SCOPES = ("submit", "read", "admin")
_PREFIX_CHARS = 11  # "ws_" + 8 characters: enough to recognise a token in a listing


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_token(db: Session, name: str, scopes: Iterable[str] = ("submit", "read"), *,
                 expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Create and add (not commit) a token; returns the row and the plaintext, shown once."""
    wanted = list(dict.fromkeys(scopes))
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown or not wanted:
        raise ValueError(f"scopes must be among {', '.join(SCOPES)}; got {wanted!r}")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = (datetime.now(UTC) + timedelta(days=expires_in_days)
                  if expires_in_days else None)
    token = ApiToken(name=name[:200], prefix=plaintext[:_PREFIX_CHARS],
                     token_hash=hash_token(plaintext), scopes=wanted, expires_at=expires_at)
    db.add(token)
    db.flush()
    return token, plaintext


def verify_token(db: Session, plaintext: str) -> ApiToken | None:
    """The live token matching ``plaintext`` (not revoked, not expired), else None."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    digest = hash_token(plaintext)
    token = db.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    now = datetime.now(UTC)
    if token.revoked_at is not None:
        return None
    if token.expires_at is not None and _aware(token.expires_at) <= now:
        return None
    return token


def revoke_token(db: Session, token_id: str) -> bool:
    token = db.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = datetime.now(UTC)
    return True


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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
            raise AuthenticationRequiredError("The API token is unknown, revoked or expired.",
                                              headers={"WWW-Authenticate": "Bearer"})
    elif session.get("token_id") and (request.blueprint == "pages"
                                      or request.method in ("GET", "HEAD")):
        # The page login is a cookie: good for reads and CSRF-checked forms only, so a
        # cross-site POST to the API cannot ride on it.
        token = db.get(ApiToken, session["token_id"])
        if token is not None and (token.revoked_at is not None or (
                token.expires_at is not None and _aware(token.expires_at) <= datetime.now(UTC))
                or session.get("epoch") != (token.session_epoch or 0)):
            token = None  # revoked, expired, or logged out since this cookie was issued
    if token is not None:
        principal = Principal(token.id, frozenset(token.scopes or ()), token.name)
        now = datetime.now(UTC)
        # A write per request would double the database work of a lookup; a minute's
        # precision is plenty for "last used".
        if token.last_used_at is None or now - _aware(token.last_used_at) > timedelta(
                minutes=1):
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
            headers={"WWW-Authenticate": "Bearer"})
    raise ForbiddenError(f"This token lacks the '{scope}' scope.")
