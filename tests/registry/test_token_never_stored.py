"""Issue 12 "Stored token": a per-request registry token must appear nowhere under
``WEIGHTSCAN_HOME`` once its group has finished -- in embedded mode kombu's SQLAlchemy
transport keeps every delivered message (``kombu_message``). Real HTTP, the embedded
broker, a real worker, the fake registry's gated repository."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.registry.conftest import migrated_database, registry_settings
from tests.registry.fake_registry import FakeRepo
from tests.registry.samples import benign_pickle
from tests.registry.test_end_to_end import _env
from tests.security.live import serve

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "token-test-secret-key"


def test_a_per_request_token_is_never_on_disk(tmp_path: Path, registry: Any) -> None:
    from weightscan.web import create_app
    from weightscan.web.db import dispose_engines

    settings = registry_settings(tmp_path, registry, broker_url="", secret_key=SECRET_KEY)
    migrated_database(settings)
    registry.add_repo(FakeRepo("team/locked", files={"w.bin": benign_pickle(3)}, gated=401))
    app = create_app(settings)
    env = {**_env(settings), "WEIGHTSCAN_BROKER_URL": "", "WEIGHTSCAN_SECRET_KEY": SECRET_KEY}
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-m", "weightscan", "worker", "--loglevel", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        with serve(app) as live:
            reply = live.post_json(
                "/api/v1/scans", {"source": {"repo": "team/locked", "token": registry.token}}
            )
            assert reply.status == 202, reply.body
            scan_id = reply.json()["id"]
            deadline = time.monotonic() + 90
            doc: dict[str, Any] = {}
            while time.monotonic() < deadline:
                doc = live.get(f"/api/v1/scans/{scan_id}").json()
                if doc["status"] in ("done", "failed"):
                    break
                time.sleep(0.3)
            assert doc["status"] == "done", (doc, (tmp_path / "worker.log").read_text()[-3000:])
            assert doc["files"][0]["verdict"] == "clean"  # the token opened the repository
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        log.close()
        dispose_engines(app)
    secret = registry.token.encode()
    leaks = [str(p) for p in settings.home.rglob("*") if p.is_file() and secret in p.read_bytes()]
    assert leaks == []


def test_sealed_tokens_open_only_with_the_same_secret_key() -> None:
    from weightscan.core.sealed import seal, unseal

    sealed = seal("hf_secret_value", "key-one")
    assert sealed is not None
    assert "hf_secret_value" not in sealed
    assert unseal(sealed, "key-one") == "hf_secret_value"
    assert unseal(sealed, "key-two") is None
    assert unseal("hf_secret_value", "key-one") is None  # only sealed values travel
    assert seal(None, "key-one") is None
