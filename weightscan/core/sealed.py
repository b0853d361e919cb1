"""Per-request secrets in task messages, sealed so no broker keeps them in clear.

A registry token a caller sends with a source must reach the worker that expands it, and
travels in the Celery message. Brokers keep messages: kombu's SQLAlchemy transport (the
embedded default) leaves every delivered message in ``kombu_message`` under
``WEIGHTSCAN_HOME``, and Redis with ``appendonly`` writes them to disk. So the token is
sealed (Fernet: AES-CBC + HMAC) with a key derived from the service's secret key, which
web and workers share, and opened only by the worker. A sealed value that no longer opens
(the secret key changed) yields no token; the group then runs as if none was sent.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "sealed:v1:"
_CONTEXT = b"weightscan task secret v1\x00"


def _fernet(secret_key: str) -> Fernet:
    if not secret_key:
        raise ValueError("a secret key is needed to seal task secrets")
    key = hashlib.sha256(_CONTEXT + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: str | None, secret_key: str) -> str | None:
    if not value:
        return None
    return PREFIX + _fernet(secret_key).encrypt(value.encode()).decode()


def unseal(value: str | None, secret_key: str) -> str | None:
    """The sealed secret, or None (nothing sent, or it cannot be opened). A value without
    the prefix is refused too: only sealed secrets travel between our processes."""
    if not value or not value.startswith(PREFIX):
        return None
    try:
        return _fernet(secret_key).decrypt(value[len(PREFIX) :].encode()).decode()
    except (InvalidToken, ValueError):
        return None
