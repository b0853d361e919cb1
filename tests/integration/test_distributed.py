"""The distributed mode end to end: the real Redis as broker, the real PostgreSQL as
database (a fresh database, migrated with the real migrations), a shared blob directory,
two REAL Celery worker processes and a separate beat process.

Marked ``services``: skipped when Redis/PostgreSQL are unreachable, but FAILING under
``CI=true`` (see tests/conftest.py).
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from tests.core.samples import clean_pickle, malicious_pickle, submit_bytes
from tests.integration.procs import Proc, service_env, wait_until
from weightscan.core.db import make_engine, make_sessionmaker
from weightscan.core.models import Scan, ScanStatus
from weightscan.core.scans.submit import create_group, seal_group
from weightscan.core.settings import Settings
from weightscan.worker.celery_app import make_celery
from weightscan.worker.dispatch import CeleryDispatcher

pytestmark = [pytest.mark.services, pytest.mark.timeout(240)]
APP = "tests.integration.slow_worker:app"


def _worker_argv(name: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        APP,
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "--loglevel=INFO",
        "--without-mingle",
        "--without-gossip",
        "--queues=weightscan,downloads",
        f"--hostname={name}@%h",
    ]


def _parent_pid(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_redis_postgres_two_workers_and_a_killed_one(tmp_path, redis_url, migrated_postgres):
    home = tmp_path / "home"
    hold = tmp_path / "hold"
    hold.mkdir()
    env = service_env(
        home,
        WEIGHTSCAN_DATABASE_URL=migrated_postgres,
        WEIGHTSCAN_BROKER_URL=redis_url,
        WEIGHTSCAN_BLOB_DIR=str(tmp_path / "shared-blobs"),
        WEIGHTSCAN_STALE_AFTER_SECONDS="3",
        WEIGHTSCAN_SWEEP_INTERVAL_SECONDS="1",
        WEIGHTSCAN_TEST_HOLD=str(hold),
    )
    settings = Settings.from_env(env)
    engine = make_engine(settings.resolved_database_url)
    sessions = make_sessionmaker(engine)
    from weightscan.core.blobstore import make_blobstore

    blobs = make_blobstore(settings)
    celery = make_celery(settings)
    workers = {
        name: Proc(_worker_argv(name), env, tmp_path / f"{name}.log") for name in ("alpha", "beta")
    }
    beat = Proc(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            APP,
            "beat",
            "--loglevel=INFO",
            f"--schedule={tmp_path / 'beat-schedule'}",
        ],
        env,
        tmp_path / "beat.log",
    )
    try:
        for proc in workers.values():
            proc.wait_for_output(" ready.", timeout=90)

        def submit(data: bytes, name: str, **kwargs) -> str:
            with sessions() as s:
                result = submit_bytes(s, blobs, data, name, tmp_dir=tmp_path / "tmp", **kwargs)
            assert CeleryDispatcher.of(celery).scans(result.to_enqueue) == []
            return result.scan.id

        def wait_done(ids: list[str], timeout: float = 60) -> list[Scan]:
            def check():
                with sessions() as s:
                    rows = [s.get(Scan, i) for i in ids]
                return rows if all(r.status == ScanStatus.DONE for r in rows) else None

            try:
                return wait_until(check, timeout, f"{len(ids)} scans to finish")
            except AssertionError:
                for proc in [*workers.values(), beat]:
                    print(proc.tail(30))
                raise

        # 1. Many distinct files over two workers: every one done exactly once.
        # force: the session's PostgreSQL database may already hold results for these
        # bytes (other tests), which would be reused as cached.
        ids = [
            submit(
                malicious_pickle(f"echo {i}") if i % 4 == 0 else clean_pickle(i),
                f"file{i}.pkl",
                force=True,
            )
            for i in range(24)
        ]
        with sessions() as s:
            group = create_group(s)
            children = [
                submit_bytes(
                    s,
                    blobs,
                    data,
                    name,
                    group_id=group.id,
                    commit=False,
                    tmp_dir=tmp_path / "tmp",
                    force=True,
                ).to_enqueue[0]
                for data, name in (
                    (clean_pickle(200), "g1.pkl"),
                    (malicious_pickle("echo g"), "g2.pkl"),
                )
            ]
            seal_group(s, group.id)
            s.commit()
            gid = group.id
        assert CeleryDispatcher.of(celery).scans(children) == []
        scans = wait_done([*ids, gid])
        verdicts = [x.verdict for x in scans]
        assert verdicts[:24] == ["malicious" if i % 4 == 0 else "clean" for i in range(24)]
        assert verdicts[24] == "malicious"
        assert all(x.attempts >= 1 for x in scans[:24])
        served = {n: "scan_completed" in p.output() for n, p in workers.items()}
        assert any(served.values())

        # 2. kill -9 of the worker that is mid-scan: the other one finishes it.
        (hold / "hold").touch()
        slow = submit(malicious_pickle("echo slow"), "slow.pkl", force=True)
        pid = int(
            wait_until(
                lambda: (hold / "pid").exists() and (hold / "pid").read_text(),
                30,
                "a worker to take the slow scan",
            )
        )
        owner = _parent_pid(pid)
        victim = next(n for n, p in workers.items() if p.pid == owner)
        workers[victim].kill9()
        (hold / "hold").unlink()
        scan = wait_done([slow], timeout=60)[0]
        assert scan.verdict == "malicious"
        assert scan.attempts >= 2, "claimed by the killed worker, then by the survivor"
        survivor = next(p for n, p in workers.items() if n != victim)
        assert "scan_completed scan_id=" + slow in survivor.output()
    finally:
        for proc in [*workers.values(), beat]:
            if proc.p.poll() is None:
                proc.p.send_signal(signal.SIGTERM)
        for proc in [*workers.values(), beat]:
            proc.stop()
        engine.dispose()
