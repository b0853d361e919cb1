"""Issue 14 #11 over real HTTP with a real worker: a multipart ``callback_url`` is checked
at submission (as the JSON path does), and a single-file submission answered from the
cache still sends its callback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.registry.fake_registry import CallbackReceiver
from tests.security.live import LiveServer, multipart
from tests.web.conftest import clean_pickle, make_settings, migrate, start_worker, stop_process
from weightscan.web.db import dispose_engines

PRIVATE_OK = {"fetch_allowed_schemes": ("http", "https"), "fetch_allow_private": ("127.0.0.1",)}


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    from weightscan.web import create_app

    settings = make_settings(tmp_path, **PRIVATE_OK)
    migrate(settings.resolved_database_url)
    app = create_app(settings)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    worker = start_worker(
        tmp_path,
        WEIGHTSCAN_FETCH_ALLOWED_SCHEMES="http,https",
        WEIGHTSCAN_FETCH_ALLOW_PRIVATE="127.0.0.1",
    )
    try:
        yield LiveServer(srv.server_port)
    finally:
        stop_process(worker)
        srv.shutdown()
        thread.join(5)
        dispose_engines(app)


def submit(live: LiveServer, data: bytes, callback: str) -> Any:
    body, ctype = multipart({"callback_url": callback}, {"file": ("m.pkl", data)})
    return live.request("POST", "/api/v1/scans?wait=20", body=body, headers={"Content-Type": ctype})


def wait_for(predicate: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_multipart_callback_is_checked_at_submission(service: LiveServer) -> None:
    for bad in (
        "http://10.0.0.1/hook",
        "ftp://127.0.0.1/hook",
        "http://[2002:a00:1::]/h",
        "not a url",
    ):
        reply = submit(service, clean_pickle(), bad)
        assert reply.status == 400, (bad, reply.body[:200])
        assert reply.json()["code"] == "UrlNotAllowedError"


def test_cached_single_file_sends_its_callback(service: LiveServer) -> None:
    receiver = CallbackReceiver()
    try:
        data = clean_pickle() + b"   "
        first = submit(service, data, receiver.url)
        assert first.status == 200, first.body[:300]
        assert wait_for(lambda: len(receiver.log) >= 1, 30)
        second = submit(service, data, receiver.url)
        assert second.status == 200
        assert second.json()["cached"] is True
        assert wait_for(lambda: len(receiver.log) >= 2, 30), receiver.log
        ids = {e.body for e in receiver.log}
        assert len(ids) == 2
        assert second.json()["id"].encode() in receiver.log[1].body
    finally:
        receiver.close()
