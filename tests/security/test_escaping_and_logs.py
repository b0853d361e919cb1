"""Report pages escape every string that came from a file (pickle globals and strings,
tensor names and metadata, chat-template text), and logs never hold tokens, webhook
secrets or file contents."""

from __future__ import annotations

import json
import logging

from tests.security.conftest import bearer, login, new_token, put, run_queued
from tests.security.samples import malicious_pickle, pickle_calling, safetensors_named
from weightscan.core.webhooks import new_standard_secret, standard_headers

PAYLOADS = [
    "<script>alert(1)</script>",
    '"onload="alert(2)',
    "<img src=x onerror=alert(3)>",
    "</code></pre><svg onload=alert(4)>",
    "{{7*7}}'\"><iframe>",
]


def hostile_files() -> list[tuple[str, bytes]]:
    template = (
        "{{ ''.__class__.__mro__[1].__subclasses__() }}"
        + PAYLOADS[0]
        + "{% for m in messages %}{{ m.content }}{% endfor %}"
        + PAYLOADS[1]
    )
    return [
        ("globals.pkl", pickle_calling(PAYLOADS[0], "x", PAYLOADS[1])),
        ("strings.pkl", malicious_pickle(" ".join(PAYLOADS))),
        (
            "tensors.safetensors",
            safetensors_named(PAYLOADS[2], {PAYLOADS[3]: PAYLOADS[4], "note": PAYLOADS[0]}),
        ),
        ("tokenizer_config.json", json.dumps({"chat_template": template}).encode()),
    ]


def test_report_pages_escape_strings_from_files(app):
    client = app.test_client()
    _id, token = new_token(app, "reader")
    ids = [put(client, data, name, token=token).json["id"] for name, data in hostile_files()]
    assert run_queued(app) == len(ids)
    login(client, token)
    for scan_id in ids:
        report = client.get(f"/api/v1/scans/{scan_id}/report", headers=bearer(token)).json
        assert report["status"] == "done"
        html = client.get(f"/scans/{scan_id}").get_data(as_text=True)
        for payload in PAYLOADS:
            assert payload not in html, (scan_id, payload)
        for tag in ("<script>alert", "<img src=x", "<svg", "<iframe", 'onload="alert'):
            assert tag not in html, (scan_id, tag)
    # The hostile strings did reach the pages, escaped (else the test proves nothing).
    shown = "".join(client.get(f"/scans/{i}").get_data(as_text=True) for i in ids)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "&#34;onload=&#34;alert(2)" in shown or "&quot;onload=&quot;alert(2)" in shown
    listing = client.get("/scans").get_data(as_text=True)
    assert "<script>alert" not in listing


def test_logs_hold_no_token_secret_or_file_content(make_app, caplog):
    hook_secret = "hf-hook-" + "s3cr3t" * 4
    standard_secret = new_standard_secret()
    app = make_app(hf_webhook_secrets=(hook_secret,), standard_webhook_secrets=(standard_secret,))
    client = app.test_client()
    marker = "CONTENT-MARKER-7f3a9c"
    caplog.set_level(logging.DEBUG)
    _id, token = new_token(app, "ci")
    put(client, malicious_pickle(f"echo {marker}"), "a.pkl", token=token)
    put(client, safetensors_named(f"{marker}.weight", {"m": marker}), "b.safetensors", token=token)
    put(client, b"\x80\x04" + marker.encode() * 10, "truncated.pkl", token=token)
    client.get("/api/v1/scans", headers=bearer(token))
    client.get("/api/v1/scans", headers=bearer(token + "x"))  # a failed login is logged?
    client.post(
        "/api/v1/webhooks/huggingface", data=b"{}", headers={"X-Webhook-Secret": hook_secret}
    )
    client.post(
        "/api/v1/webhooks/huggingface",
        data=b"{}",
        headers={"X-Webhook-Secret": hook_secret + "-wrong"},
    )
    body = b'{"data": 1}'
    client.post(
        "/api/v1/webhooks/standard",
        data=body,
        headers=standard_headers("msg_log", body, [standard_secret]),
    )
    login(client, token)
    run_queued(app)
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert caplog.records, "the run logged something"
    for secret in (
        token,
        token[3:],
        hook_secret,
        standard_secret,
        standard_secret.removeprefix("whsec_"),
        marker,
    ):
        assert secret not in text, secret
