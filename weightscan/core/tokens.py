"""API token storage: create, verify and revoke tokens over a session (no web framework).

Tokens look like ``ws_<32 random bytes, urlsafe>``; only their SHA-256 is stored
(``ApiToken.token_hash``) with a short display prefix, and the plaintext is shown once by
``create_token``. Scopes: ``submit``, ``read``, ``admin`` (admin implies the others).
Used by ``weightscan token`` and by the web's request hooks (``weightscan.web.auth``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from weightscan.core.models import ApiToken

TOKEN_PREFIX = "ws_"  # noqa: S105  (a public marker, not a secret)
SCOPES = ("submit", "read", "admin")
_PREFIX_CHARS = 11  # "ws_" + 8 characters: enough to recognise a token in a listing


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_token(
    db: Session,
    name: str,
    scopes: Iterable[str] = ("submit", "read"),
    *,
    expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """Create and add (not commit) a token; returns the row and the plaintext, shown once."""
    wanted = list(dict.fromkeys(scopes))
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown or not wanted:
        raise ValueError(f"scopes must be among {', '.join(SCOPES)}; got {wanted!r}")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(
        name=name[:200],
        prefix=plaintext[:_PREFIX_CHARS],
        token_hash=hash_token(plaintext),
        scopes=wanted,
        expires_at=expires_at,
    )
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
    if token.expires_at is not None and token.expires_at <= now:
        return None
    return token


def revoke_token(db: Session, token_id: str) -> bool:
    token = db.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = datetime.now(UTC)
    return True
