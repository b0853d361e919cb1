"""Streamed PUT uploads through a real HTTP server socket (werkzeug, in a thread).

The body is never held in memory: a 200 MB upload must not raise this process's peak RSS
by more than a few tens of MB (the 2 GB figure is measured by bench/bench_service.py).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

MiB = 1024 * 1024


def peak_rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")


@pytest.fixture
def server(make_app) -> Iterator[str]:
    app = make_app(max_upload_bytes=300 * MiB)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(5)


def chunks(total: int, size: int = MiB, digest: hashlib._Hash | None = None) -> Iterator[bytes]:
    block = bytes(range(256)) * (size // 256)
    sent = 0
    while sent < total:
        piece = block[: min(size, total - sent)]
        if digest is not None:
            digest.update(piece)
        sent += len(piece)
        yield piece


def test_chunked_200mb_put_streams_to_disk(server):
    total = 200 * MiB
    expected = hashlib.sha256()
    before = peak_rss_bytes()
    r = requests.put(
        f"{server}/api/v1/uploads/big.bin", data=chunks(total, digest=expected), timeout=120
    )
    grown = peak_rss_bytes() - before
    assert r.status_code == 202, r.text[:300]
    body = r.json()
    assert body["files"][0]["size"] == total
    assert body["files"][0]["sha256"] == expected.hexdigest()
    assert grown < 60 * MiB, f"peak RSS grew by {grown / MiB:.0f} MiB"


def test_content_length_put_with_digest(server, tmp_path):
    path = tmp_path / "f.bin"
    with path.open("wb") as f:
        for piece in chunks(20 * MiB):
            f.write(piece)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with path.open("rb") as f:
        r = requests.put(
            f"{server}/api/v1/uploads/f.bin",
            data=f,
            timeout=60,
            headers={"X-Content-SHA256": digest},
        )
    assert r.status_code == 202
    assert r.json()["files"][0]["sha256"] == digest
    with path.open("rb") as f:
        bad = requests.put(
            f"{server}/api/v1/uploads/f.bin",
            data=f,
            timeout=60,
            headers={"X-Content-SHA256": "1" * 64},
        )
    assert bad.status_code == 400
    assert bad.json()["code"] == "DigestMismatchError"


def test_chunked_body_over_the_cap_is_413(make_app):
    app = make_app(max_upload_bytes=2 * MiB)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        r = requests.put(
            f"http://127.0.0.1:{srv.server_port}/api/v1/uploads/x.bin",
            data=chunks(3 * MiB, 256 * 1024),
            timeout=30,
        )
        assert r.status_code == 413
        assert r.json()["code"] == "PayloadTooLargeError"
        tmp = app.config["WEIGHTSCAN_SETTINGS"].home / "tmp"
        assert not list(tmp.glob("upload-*"))  # nothing half-written is left behind
    finally:
        srv.shutdown()
        thread.join(5)
