"""Webhook authentication: Hugging Face's shared secret and Standard Webhooks signatures.

Both work on the raw request body (re-serialised JSON would not match), compare in
constant time and accept several secrets at once so they can be rotated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping, Sequence


class WebhookAuthError(Exception):
    """The delivery is not authentic (wrong secret or signature): answer 401."""


class WebhookStaleError(WebhookAuthError):
    """The signature's timestamp is outside the tolerance window: answer 400/401."""


def check_hf_secret(provided: str | None, configured: Sequence[str]) -> bool:
    """True if ``provided`` equals one of the configured secrets (constant time, no early exit)."""
    configured = [s for s in configured if s]
    if not configured:
        return False
    given = (provided or "").encode("utf-8", "surrogateescape")
    ok = False
    for secret in configured:
        ok |= hmac.compare_digest(given, secret.encode("utf-8", "surrogateescape"))
    return ok and provided is not None


def decode_standard_secret(secret: str) -> bytes:
    """``whsec_<base64>`` -> key bytes (a bare base64 string is accepted too)."""
    body = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a Standard Webhooks secret is 'whsec_' followed by base64") from None
    if len(key) < 16:
        raise ValueError("a Standard Webhooks secret must hold at least 16 bytes")
    return key


def new_standard_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def sign_standard(msg_id: str, timestamp: int, body: bytes, secret: str) -> str:
    """One ``v1,<base64 HMAC-SHA256("{id}.{timestamp}.{body}")>`` signature."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    mac = hmac.new(decode_standard_secret(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def standard_headers(
    msg_id: str, body: bytes, secrets_: Sequence[str], now: float | None = None
) -> dict[str, str]:
    """The three headers of a signed outgoing delivery (one signature per secret)."""
    timestamp = int(time.time() if now is None else now)
    signature = " ".join(sign_standard(msg_id, timestamp, body, s) for s in secrets_)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


def verify_standard(
    headers: Mapping[str, str],
    body: bytes,
    secrets_: Sequence[str],
    *,
    tolerance: int = 300,
    now: float | None = None,
) -> str:
    """Check a Standard Webhooks delivery; returns its ``webhook-id``.

    Raises ``WebhookStaleError`` for a timestamp outside ``tolerance`` seconds and
    ``WebhookAuthError`` for anything else that does not verify.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id = lowered.get("webhook-id", "")
    raw_ts = lowered.get("webhook-timestamp", "")
    raw_sig = lowered.get("webhook-signature", "")
    if not msg_id or not raw_ts or not raw_sig:
        raise WebhookAuthError("missing webhook-id, webhook-timestamp or webhook-signature")
    if len(msg_id) > 256 or len(raw_sig) > 4096:
        raise WebhookAuthError("oversized webhook headers")
    if not raw_ts.isdigit():
        raise WebhookAuthError("webhook-timestamp is not an integer")
    timestamp = int(raw_ts)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookStaleError("webhook-timestamp outside the tolerance window")
    if not secrets_:
        raise WebhookAuthError("no Standard Webhooks secret is configured")
    offered = [item.split(",", 1)[1].encode() for item in raw_sig.split() if item.startswith("v1,")]
    ok = False
    for secret in secrets_:
        expected = sign_standard(msg_id, timestamp, body, secret).split(",", 1)[1].encode()
        for candidate in offered:
            ok |= hmac.compare_digest(expected, candidate)
    if not ok:
        raise WebhookAuthError("no valid v1 signature")
    return msg_id
