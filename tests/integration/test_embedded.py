"""The embedded mode end to end: SQLite, kombu's SQLAlchemy broker on SQLite, local blobs,
and REAL Celery worker processes (``weightscan worker``, ``celery -A …``, ``weightscan
serve``). Nothing is mocked; the one test hook (``slow_worker``) holds a scan so that a
test can kill the process running it.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from tests.core.samples import clean_pickle, malicious_pickle, submit_bytes
from tests.integration.procs import (
    Proc,
    free_port,
    service_env,
    start_worker,
    wait_until,
)
from weightscan.core.db import make_engine, make_sessionmaker
from weightscan.core.migrate import upgrade
from weightscan.core.models import Scan, ScanStatus
from weightscan.core.scans.submit import create_group, seal_group
from weightscan.core.settings import Settings
from weightscan.worker.celery_app import make_celery
from weightscan.worker.dispatch import CeleryDispatcher

pytestmark = pytest.mark.timeout(180)


class Deployment:
    """One service home: database, broker and blobs; helpers to submit and to wait."""

    def __init__(self, home: Path, **env: str) -> None:
        self.home = home
        self.env = service_env(home, **env)
        self.settings = Settings.from_env(self.env)
        upgrade(self.settings.resolved_database_url)
        self.engine = make_engine(self.settings.resolved_database_url)
        self.sessions = make_sessionmaker(self.engine)
        from weightscan.core.blobstore import make_blobstore

        self.blobstore = make_blobstore(self.settings)
        self.celery = make_celery(self.settings)
        self.procs: list[Proc] = []

    def submit(self, data: bytes, name: str, **kwargs) -> str:
        with self.sessions() as s:
            result = submit_bytes(
                s, self.blobstore, data, name, tmp_dir=self.home / "tmp", **kwargs
            )
        assert CeleryDispatcher.of(self.celery).scans(result.to_enqueue) == []
        return result.scan.id

    def submit_group(self, files: list[tuple[bytes, str]]) -> str:
        with self.sessions() as s:
            group = create_group(s)
            ids = [
                submit_bytes(
                    s,
                    self.blobstore,
                    data,
                    name,
                    group_id=group.id,
                    commit=False,
                    tmp_dir=self.home / "tmp",
                ).to_enqueue
                for data, name in files
            ]
            seal_group(s, group.id)
            s.commit()
            gid = group.id
        assert CeleryDispatcher.of(self.celery).scans([i for batch in ids for i in batch]) == []
        return gid

    def scan(self, scan_id: str) -> Scan:
        with self.sessions() as s:
            scan = s.get(Scan, scan_id)
            assert scan is not None
            return scan

    def children(self, group_id: str) -> list[Scan]:
        with self.sessions() as s:
            return list(s.get(Scan, group_id).children)

    def wait_done(self, *scan_ids: str, timeout: float = 60) -> list[Scan]:
        def check():
            scans = [self.scan(i) for i in scan_ids]
            return scans if all(x.status == ScanStatus.DONE for x in scans) else None

        try:
            return wait_until(check, timeout, f"scans {scan_ids} to finish")
        except AssertionError:
            for p in self.procs:
                print(p.tail())
            raise

    def worker(self, log: str, **kwargs) -> Proc:
        proc = start_worker(self.env, self.home / log, **kwargs)
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for p in self.procs:
            p.stop()
        self.engine.dispose()


@pytest.fixture
def deployment(tmp_path):
    made: list[Deployment] = []

    def make(**env: str) -> Deployment:
        d = Deployment(tmp_path / "home", **env)
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()


def test_queued_scans_are_done_by_a_worker_started_later(deployment):
    d = deployment()
    # Queued while no worker runs: the messages wait in the SQLite broker.
    evil = d.submit(malicious_pickle(), "evil.pkl")
    ok = d.submit(clean_pickle(), "ok.pkl")
    group = d.submit_group([(clean_pickle(2), "a.pkl"), (malicious_pickle("echo b"), "b.pkl")])
    assert d.scan(group).status == ScanStatus.RUNNING
    d.worker("worker.log", concurrency=2)
    scans = d.wait_done(evil, ok, group)
    assert [s.verdict for s in scans] == ["malicious", "clean", "malicious"]
    assert scans[0].attempts == 1
    assert [c.verdict for c in d.children(group)] == ["clean", "malicious"]


def _hold(d: Deployment) -> Path:
    hold = d.home / "hold"
    hold.mkdir(exist_ok=True)
    (hold / "hold").touch()
    return hold


def test_killed_workers_lose_nothing_and_a_poison_file_ends_as_error(deployment):
    """kill -9 of a whole worker mid-scan: a restarted worker finishes the scan, and a
    scan queued while no worker was alive. Then a file whose pool process dies every
    time: after max_attempts it ends as verdict error."""
    d = deployment(
        WEIGHTSCAN_STALE_AFTER_SECONDS="2",
        WEIGHTSCAN_SWEEP_INTERVAL_SECONDS="1",
        WEIGHTSCAN_MAX_ATTEMPTS="3",
    )
    hold = _hold(d)
    d.env["WEIGHTSCAN_TEST_HOLD"] = str(hold)
    app = "tests.integration.slow_worker:app"
    first = d.worker("worker1.log", app=app, beat=True, concurrency=2)
    slow = d.submit(malicious_pickle(), "slow.pkl")
    pid = _wait_pid(hold)
    assert d.scan(slow).status == ScanStatus.RUNNING
    first.kill9()  # the machine dies: worker, pool and beat at once
    assert pid
    queued_meanwhile = d.submit(clean_pickle(5), "meanwhile.pkl")

    (hold / "hold").unlink()
    d.worker("worker2.log", app=app, beat=True, concurrency=2)
    scan, meanwhile = d.wait_done(slow, queued_meanwhile, timeout=60)
    assert scan.verdict == "malicious"
    # Claimed by the dead worker, then by the new one (a third claim is possible when a
    # loaded machine makes the sweeper think the second one stalled; still correct).
    assert scan.attempts >= 2
    assert meanwhile.verdict == "clean"

    (hold / "pid").unlink(missing_ok=True)
    (hold / "hold").touch()
    poison = d.submit(malicious_pickle("echo poison"), "slow-poison.pkl")
    for _ in range(3):
        os.kill(_wait_pid(hold), signal.SIGKILL)  # the pool process dies on this file
    scan = d.wait_done(poison, timeout=30)[0]
    assert scan.verdict == "error"
    assert "worker lost 3 times" in scan.error
    assert scan.attempts == 3


def _wait_pid(hold: Path) -> int:
    """The pid of the pool process holding a slow scan (consumes the pid file)."""
    pid = int(
        wait_until(
            lambda: (hold / "pid").exists() and (hold / "pid").read_text(),
            30,
            "a pool process to take the slow scan",
        )
    )
    (hold / "pid").unlink()
    return pid


def test_weightscan_serve_runs_web_and_worker(tmp_path):
    requests = pytest.importorskip("requests")
    pytest.importorskip("weightscan.web")
    home = tmp_path / "home"
    port = free_port()
    env = service_env(home)
    serve = Proc(
        [sys.executable, "-m", "weightscan", "serve", "--port", str(port), "--workers", "1"],
        env,
        tmp_path / "serve.log",
    )
    try:
        serve.wait_for_output(" ready.", timeout=90)  # the embedded worker
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _get_ok(requests, f"{base}/healthz"), 30, "the web server")
        r = requests.put(f"{base}/api/v1/uploads/evil.pkl", data=malicious_pickle(), timeout=30)
        assert r.status_code in (200, 201, 202), r.text
        scan_id = r.json()["id"]
        r = requests.get(f"{base}/api/v1/scans/{scan_id}", params={"wait": 30}, timeout=40)
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["status"], body["verdict"]) == ("done", "malicious"), body
    finally:
        serve.stop()
    assert (home / "weightscan.db").exists()
    shutil.rmtree(home / "tmp", ignore_errors=True)


def _get_ok(requests, url):
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False
