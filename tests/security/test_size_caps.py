"""Size caps at every entry: the multipart form, PUT (declared and chunked), the URL
source fetch and the webhook bodies. Over the cap: 413 problem+json (or a fetch error),
no scan row, no blob, no temp file left behind."""

from __future__ import annotations

import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.security.conftest import MiB, bearer, csrf_of, db_session, login, new_token
from weightscan.core.models import Scan

CAP = 64 * 1024


@pytest.fixture
def capped(make_app):
    return make_app(max_upload_bytes=CAP, hf_webhook_secrets=("hook-secret",))


def nothing_left(app) -> None:
    home: Path = app.config["WEIGHTSCAN_SETTINGS"].home
    with db_session(app) as db:
        assert db.scalar(select(func.count()).select_from(Scan)) == 0
    leftovers = [p for sub in ("tmp", "blobs") for p in (home / sub).rglob("*") if p.is_file()]
    assert leftovers == []


def assert_413(response) -> None:
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 413


def test_put_with_a_declared_length_over_the_cap(capped):
    _id, token = new_token(capped, "t")
    body = b"\x80\x04" + b"x" * CAP
    response = capped.test_client().put(
        "/api/v1/uploads/big.pkl",
        data=io.BytesIO(body),
        headers={"Content-Length": str(len(body)), **bearer(token)},
    )
    assert_413(response)
    nothing_left(capped)


def test_chunked_put_over_the_cap_stops_while_streaming(capped):
    """A real HTTP server and a chunked body without length: the cap holds mid-stream."""
    import requests
    from werkzeug.serving import make_server

    _id, token = new_token(capped, "t")
    server = make_server("127.0.0.1", 0, capped, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sent = 0

    def endless() -> Iterator[bytes]:
        nonlocal sent
        while sent < 64 * MiB:  # bounded, so a broken cap fails instead of hanging
            sent += 16384
            yield b"a" * 16384

    try:
        response = requests.put(
            f"http://127.0.0.1:{server.server_port}/api/v1/uploads/e.bin",
            data=endless(),
            headers=bearer(token),
            timeout=30,
        )
    except requests.ConnectionError:
        response = None  # the server may close the connection as it answers early
    finally:
        server.shutdown()
        thread.join(5)
    if response is not None:
        assert response.status_code == 413
        assert response.headers["Content-Type"] == "application/problem+json"
    # (The development server drains the rest of the body after answering, so how much
    # the client got to send says nothing about the app; the app's own read loop stops at
    # the cap: tests/core/test_uploads.py.)
    nothing_left(capped)


def test_form_upload_over_the_cap(capped):
    client = capped.test_client()
    _id, token = new_token(capped, "browser")
    login(client, token)
    response = client.post(
        "/upload",
        data={"csrf_token": csrf_of(client), "file": (io.BytesIO(b"y" * (CAP + 1)), "big.pkl")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 413
    nothing_left(capped)


def test_form_body_over_the_request_cap(capped):
    client = capped.test_client()
    _id, token = new_token(capped, "browser")
    login(client, token)
    huge = b"z" * (CAP + 2 * MiB)
    response = client.post(
        "/upload",
        data={"csrf_token": csrf_of(client), "file": (io.BytesIO(huge), "huge.pkl")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 413
    nothing_left(capped)


@pytest.mark.parametrize("path", ["/api/v1/webhooks/huggingface", "/api/v1/webhooks/standard"])
def test_webhook_body_over_the_cap(capped, path):
    from weightscan.web.api.webhooks import MAX_BODY_BYTES

    body = b'{"event": {"action": "update"}, "pad": "' + b"p" * MAX_BODY_BYTES + b'"}'
    response = capped.test_client().post(
        path,
        data=body,
        headers={"X-Webhook-Secret": "hook-secret", "Content-Type": "application/json"},
    )
    assert_413(response)
    chunked = capped.test_client().post(
        path,
        input_stream=io.BytesIO(body),
        environ_overrides={"wsgi.input_terminated": True},
        headers={"X-Webhook-Secret": "hook-secret", "Content-Type": "application/json"},
    )
    assert_413(chunked)
    nothing_left(capped)


# -- the URL source: a local server sends more than fetch_max_bytes -------------------------
class _Big(http.server.BaseHTTPRequestHandler):
    size = 3 * CAP

    def do_GET(self) -> None:
        self.send_response(200)
        if self.path.endswith("/declared"):
            self.send_header("Content-Length", str(self.size))
            self.end_headers()
            self.wfile.write(b"d" * self.size)
        else:  # no length: the cap must hold while streaming
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(self.size // 4096):
                self.wfile.write(b"1000\r\n" + b"c" * 4096 + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def big_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Big)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.mark.parametrize("kind", ["declared", "chunked"])
def test_url_fetch_stops_at_the_cap(tmp_path, big_server, kind):
    from tests.registry.downloads import download_to
    from weightscan.core.fetch import FetchFailed, FetchRefused, policy_from_settings
    from weightscan.core.settings import Settings

    settings = Settings(
        home=tmp_path,
        fetch_max_bytes=CAP,
        fetch_allowed_schemes=("http",),
        fetch_allowed_hosts=("127.0.0.1",),
        fetch_allow_private=("127.0.0.1/32",),
        fetch_timeout_seconds=10,
    )
    out = io.BytesIO()
    with pytest.raises((FetchFailed, FetchRefused)) as caught:
        download_to(f"{big_server}/model/{kind}", policy_from_settings(settings), out)
    assert "limit" in str(caught.value) or "large" in str(caught.value)
    assert len(out.getvalue()) <= CAP
