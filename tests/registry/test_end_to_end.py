"""End to end: an HF push -> webhook receiver -> group scan -> a REAL Celery worker lists and
fetches the files from the fake registry (only the 10 unknown of 20), scans them, and POSTs
a signed summary to a receiver on 127.0.0.1.

The web side is the real Flask app (test client) sending real Celery messages over the
embedded filesystem broker; the worker is ``python -m weightscan worker`` in a subprocess
sharing the same SQLite database and blob directory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.registry.conftest import (
    CALLBACK_SECRET,
    HF_SECRET,
    Service,
    expand_now,
    registry_settings,
)
from tests.registry.fake_registry import FakeRepo
from tests.registry.samples import MALICIOUS_PICKLE, benign_pickle, safetensors
from weightscan.core.models import Scan
from weightscan.core.registry import add_group, normalise_source
from weightscan.core.scans.run import run_scan
from weightscan.core.webhooks import verify_standard

ROOT = Path(__file__).resolve().parents[2]


def _env(settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIGHTSCAN_")}
    for name in (
        "home",
        "broker_url",
        "hf_endpoint",
        "callback_url",
        "callback_secret",
        "fetch_timeout_seconds",
        "fetch_max_bytes",
        "max_upload_bytes",
    ):
        env[f"WEIGHTSCAN_{name.upper()}"] = str(getattr(settings, name))
    for name in ("fetch_allowed_schemes", "fetch_allowed_hosts", "fetch_allow_private"):
        env[f"WEIGHTSCAN_{name.upper()}"] = ",".join(getattr(settings, name))
    env["WEIGHTSCAN_WORKER_CONCURRENCY"] = "2"
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.fixture
def worker(tmp_path, registry, receiver):
    settings = registry_settings(tmp_path, registry, receiver)
    service = Service(settings)  # migrates the shared database first
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "weightscan", "worker", "--loglevel", "INFO"],
        cwd=ROOT,
        env=_env(settings),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield service, proc, tmp_path / "worker.log"
    os.killpg(proc.pid, signal.SIGKILL)  # the worker's own process group; nothing runs now
    proc.wait(10)
    log.close()
    service.engine.dispose()


def test_push_to_signed_callback_with_a_real_worker(registry, receiver, worker):
    service, _proc, log_path = worker
    known = {f"known/model-{i}.safetensors": safetensors(i) for i in range(5)}
    known |= {f"known/pickle-{i}.bin": benign_pickle(i) for i in range(5)}
    new = {f"new/model-{i}.safetensors": safetensors(100 + i) for i in range(5)}
    new |= {f"new/pickle-{i}.bin": benign_pickle(100 + i) for i in range(4)}
    new["new/evil.pkl"] = MALICIOUS_PICKLE
    files = {**known, **new, "README.md": b"# a model", "config.json": b"{}"}

    # 10 of the 20 already have verdicts (scanned in process, same database)
    registry.add_repo(FakeRepo("org/seed", files=known, lfs=set(known)))
    with service.sessions() as session:
        seed = add_group(session, normalise_source({"repo": "org/seed"})[0])
        session.commit()
    seeded = expand_now(service, seed.id)
    for scan_id in seeded.enqueued:
        run_scan(service.sessions, service.blobstore, scan_id, service.settings)
    assert seeded.downloaded == 10
    before = len(registry.downloads())

    repo = registry.add_repo(
        FakeRepo(
            "org/pushed", files=files, lfs={p for p in files if p.startswith(("known/", "new/"))}
        )
    )
    sha = repo.branches["main"]

    from weightscan.web import create_app

    app = create_app(service.settings)
    client = app.test_client()
    payload = {
        "event": {"action": "update", "scope": "repo.content"},
        "repo": {"type": "model", "name": "org/pushed", "headSha": sha},
        "updatedRefs": [{"ref": "refs/heads/main", "oldSha": None, "newSha": sha}],
    }
    started = time.perf_counter()
    response = client.post(
        "/api/v1/webhooks/huggingface",
        data=json.dumps(payload),
        headers={"X-Webhook-Secret": HF_SECRET},
        content_type="application/json",
    )
    ack_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 202, response.get_data(as_text=True)
    [group_id] = response.get_json()["scan_ids"]

    if not receiver.received.wait(60):
        pytest.fail(
            "no callback within 60 s; worker log:\n" + log_path.read_text(errors="replace")[-4000:]
        )
    elapsed = time.perf_counter() - started
    print(f"\nack {ack_ms:.1f} ms; push -> signed callback {elapsed:.1f} s")

    # exactly the unknown files: the ten new ones and config.json (its auto_map can load code),
    # which is also read once while planning (it may name documentation to scan)
    assert len(registry.downloads()) - before == 12
    [entry] = receiver.log
    assert verify_standard(entry.headers, entry.body, [CALLBACK_SECRET])
    doc = json.loads(entry.body)
    data = doc["data"]
    assert doc["type"] == "scan.completed"
    assert data["id"] == group_id
    assert data["status"] == "done"
    assert data["verdict"] == "malicious"
    assert data["source"]["commit_sha"] == sha
    assert len(data["files"]) == 21
    assert data["stats"]["malicious"] == 1
    assert data["stats"]["clean"] == 20
    by_path = {f["path"]: f for f in data["files"]}
    assert by_path["new/evil.pkl"]["verdict"] == "malicious"
    assert sum(1 for f in data["files"] if f["cached"]) == 10
    assert all(by_path[p]["cached"] for p in known)

    with service.sessions() as session:
        group = session.get(Scan, group_id)
        assert group.verdict == "malicious"
    for _ in range(100):  # the worker records the delivery just after the receiver answers
        deliveries = client.get(f"/api/v1/scans/{group_id}/deliveries").get_json()["data"]
        if deliveries and deliveries[0]["status"] != "pending":
            break
        time.sleep(0.05)
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in deliveries] == [
        ("delivered", 1, 200)
    ]
