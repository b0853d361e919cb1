"""Webhook authentication: HF shared secrets and Standard Webhooks signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from weightscan.core.webhooks import (
    WebhookAuthError,
    WebhookStaleError,
    check_hf_secret,
    decode_standard_secret,
    new_standard_secret,
    sign_standard,
    standard_headers,
    verify_standard,
)

SECRET = new_standard_secret()
BODY = b'{"type":"scan.requested","data":{"urls":["https://huggingface.co/x"]}}'
NOW = 1_790_000_000


def test_hf_secret_rotation_and_refusals():
    configured = ("old", "new-secret")
    assert check_hf_secret("new-secret", configured)
    assert check_hf_secret("old", configured)
    assert not check_hf_secret("new-secre", configured)
    assert not check_hf_secret(None, configured)
    assert not check_hf_secret("", ("",))  # an empty configured secret never matches
    assert not check_hf_secret("anything", ())


def test_signature_matches_the_specification_by_hand():
    key = decode_standard_secret(SECRET)
    expected = base64.b64encode(
        hmac.new(key, b"msg_1.%d." % NOW + BODY, hashlib.sha256).digest()
    ).decode()
    assert sign_standard("msg_1", NOW, BODY, SECRET) == f"v1,{expected}"


def test_valid_signature_verifies_and_returns_the_id():
    headers = standard_headers("msg_1", BODY, [SECRET], now=NOW)
    assert verify_standard(headers, BODY, [SECRET], now=NOW + 10) == "msg_1"


def test_rotation_any_configured_secret_and_any_offered_signature():
    other = new_standard_secret()
    headers = standard_headers("msg_2", BODY, [other, SECRET], now=NOW)  # two signatures
    assert verify_standard(headers, BODY, [SECRET], now=NOW) == "msg_2"
    assert (
        verify_standard(
            standard_headers("m", BODY, [SECRET], now=NOW), BODY, [other, SECRET], now=NOW
        )
        == "m"
    )


@pytest.mark.parametrize("tamper", ["body", "id", "timestamp", "secret", "v1a", "missing"])
def test_invalid_signatures_are_refused(tamper):
    headers = standard_headers("msg_3", BODY, [SECRET], now=NOW)
    body = BODY
    secrets_ = [SECRET]
    if tamper == "body":
        body = BODY.replace(b"x", b"y")
    elif tamper == "id":
        headers["webhook-id"] = "msg_4"
    elif tamper == "timestamp":
        headers["webhook-timestamp"] = str(NOW + 1)
    elif tamper == "secret":
        secrets_ = [new_standard_secret()]
    elif tamper == "v1a":
        headers["webhook-signature"] = headers["webhook-signature"].replace("v1,", "v1a,")
    else:
        del headers["webhook-signature"]
    with pytest.raises(WebhookAuthError):
        verify_standard(headers, body, secrets_, now=NOW)


@pytest.mark.parametrize("skew", [-301, 301, 10_000])
def test_stale_or_future_timestamps_are_refused(skew):
    headers = standard_headers("msg_5", BODY, [SECRET], now=NOW)
    with pytest.raises(WebhookStaleError):
        verify_standard(headers, BODY, [SECRET], tolerance=300, now=NOW + skew)


def test_headers_are_case_insensitive_and_non_integer_timestamps_refused():
    headers = {k.upper(): v for k, v in standard_headers("m", BODY, [SECRET], now=NOW).items()}
    assert verify_standard(headers, BODY, [SECRET], now=NOW) == "m"
    headers["WEBHOOK-TIMESTAMP"] = "1e9"
    with pytest.raises(WebhookAuthError):
        verify_standard(headers, BODY, [SECRET], now=NOW)


def test_bad_secret_format():
    with pytest.raises(ValueError, match="whsec_"):
        decode_standard_secret("whsec_not base64!")
    with pytest.raises(ValueError, match="16 bytes"):
        decode_standard_secret("whsec_" + base64.b64encode(b"short").decode())


def test_the_reference_library_agrees_both_ways():
    """standardwebhooks (the specification's own library) as the oracle: it verifies our
    signatures, and we verify its signatures."""
    import time
    from datetime import UTC, datetime

    standardwebhooks = pytest.importorskip("standardwebhooks.webhooks")
    now = int(time.time())
    ours = standard_headers("msg_ref", BODY, [SECRET], now=now)
    reference = standardwebhooks.Webhook(SECRET)
    reference.verify(BODY, dict(ours), json_parse=False)  # raises on a bad signature
    theirs = reference.sign("msg_ref2", datetime.fromtimestamp(now, UTC), BODY.decode())
    headers = {"webhook-id": "msg_ref2", "webhook-timestamp": str(now), "webhook-signature": theirs}
    assert verify_standard(headers, BODY, [SECRET], now=now) == "msg_ref2"
