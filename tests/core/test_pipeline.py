"""The scan pipeline on a real (migrated) database: submit, dedupe, run, groups, sweeping."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests.core.samples import clean_pickle, malicious_pickle, sha256, submit_bytes
from weightscan.core.blobstore import BlobStoreError
from weightscan.core.db import make_engine, make_sessionmaker, utcnow
from weightscan.core.models import Scan, ScanKind, ScanStatus, StoredFile
from weightscan.core.scans.common import TransientError
from weightscan.core.scans.run import claim_scan_row, run_scan
from weightscan.core.scans.submit import (
    create_group,
    delete_scan,
    fail_group,
    purge_blobs,
    rescan,
    rescan_outdated,
    seal_group,
)
from weightscan.core.scans.sweep import sweep_stale
from weightscan.scanner import ENGINE_VERSION, RULES_VERSION


def _get(sessions, scan_id) -> Scan:
    with sessions() as s:
        scan = s.get(Scan, scan_id)
        assert scan is not None
        scan.findings, scan.children  # noqa: B018 - load before the session closes
        return scan


@pytest.fixture
def submit(sessions, blobstore, tmp_path):
    def _submit(data: bytes, name: str = "model.pkl", **kwargs):
        with sessions() as s:
            return submit_bytes(s, blobstore, data, name, tmp_dir=tmp_path / "tmp", **kwargs)

    return _submit


# --------------------------------------------------------------------------- submit + run
def test_submit_stores_the_blob_and_a_queued_scan(submit, sessions, blobstore):
    data = malicious_pickle()
    result = submit(data, "evil.pkl")
    assert not result.cached
    assert result.to_enqueue == [result.scan.id]
    scan = _get(sessions, result.scan.id)
    assert (scan.status, scan.kind, scan.verdict) == (ScanStatus.QUEUED, ScanKind.FILE, None)
    assert scan.file_sha256 == sha256(data)
    assert scan.size == len(data)
    assert blobstore.exists(sha256(data))
    with sessions() as s:
        assert s.get(StoredFile, sha256(data)).size == len(data)


def test_run_scan_records_verdict_findings_and_versions(submit, sessions, blobstore, settings):
    scan_id = submit(malicious_pickle(), "evil.pkl").scan.id
    outcome = run_scan(sessions, blobstore, scan_id, settings)
    assert outcome.ran
    assert outcome.verdict == "malicious"
    assert outcome.completed_top_level == [scan_id]
    scan = _get(sessions, scan_id)
    assert scan.status == ScanStatus.DONE
    assert scan.verdict == "malicious"
    assert scan.format == "pickle"
    assert (scan.engine_version, scan.rules_version) == (ENGINE_VERSION, RULES_VERSION)
    assert scan.attempts == 1
    assert scan.started_at is not None
    assert scan.finished_at is not None
    assert scan.duration_seconds is not None
    assert scan.duration_seconds >= 0
    assert [f.rule_id for f in scan.findings] == ["pickle.import.malicious"]
    assert scan.findings[0].evidence  # JSON evidence stored


def test_clean_file(submit, sessions, blobstore, settings):
    scan_id = submit(clean_pickle()).scan.id
    assert run_scan(sessions, blobstore, scan_id, settings).verdict == "clean"


def test_run_scan_is_idempotent(submit, sessions, blobstore, settings):
    scan_id = submit(malicious_pickle()).scan.id
    assert run_scan(sessions, blobstore, scan_id, settings).ran
    second = run_scan(sessions, blobstore, scan_id, settings)
    assert not second.ran
    scan = _get(sessions, scan_id)
    assert scan.attempts == 1
    assert len(scan.findings) == 1


def test_unknown_scan_id_is_ignored(sessions, blobstore, settings):
    assert not run_scan(sessions, blobstore, "scn_nope", settings).ran


def test_progress_is_published(submit, sessions, blobstore, settings, monkeypatch):
    """A scan that runs longer than the throttle interval writes progress to its row."""
    import time

    import weightscan.core.scans.run as run

    real = run._scan_fileobj
    rows = []

    def slow_scan(fileobj, name, settings_, policy, publisher):
        time.sleep(run.PROGRESS_INTERVAL_SECONDS + 0.1)
        publisher.scanner_callback("members", 3, 10)
        with sessions() as s:
            rows.append(dict(s.get(Scan, scan_id).progress))
        return real(fileobj, name, settings_, policy, publisher)

    monkeypatch.setattr(run, "_scan_fileobj", slow_scan)
    scan_id = submit(clean_pickle()).scan.id
    seen = []
    run_scan(
        sessions,
        blobstore,
        scan_id,
        settings,
        progress=lambda sid, data: seen.append((sid, data["stage"])),
    )
    assert (scan_id, "analyse") in seen
    assert rows[0]["stage"] == "members"
    assert (rows[0]["members_done"], rows[0]["members_total"]) == (3, 10)
    assert _get(sessions, scan_id).progress == {"stage": "done"}


# --------------------------------------------------------------------------- dedupe
def test_a_finished_scan_is_reused_as_cached(submit, sessions, blobstore, settings):
    first = submit(malicious_pickle(), "a.pkl").scan.id
    run_scan(sessions, blobstore, first, settings)
    again = submit(malicious_pickle(), "b.pkl", owner_token_id=None)
    assert again.cached
    assert again.to_enqueue == []
    scan = _get(sessions, again.scan.id)
    assert scan.id != first
    assert scan.cached_from == first
    assert (scan.status, scan.verdict, scan.filename) == (ScanStatus.DONE, "malicious", "b.pkl")
    assert [f.rule_id for f in scan.findings] == ["pickle.import.malicious"]
    # A third submission points at the original, not at the copy.
    assert submit(malicious_pickle(), "c.pkl").scan.cached_from == first


def test_force_and_policy_bypass_the_cache(submit, sessions, blobstore, settings):
    first = submit(malicious_pickle()).scan.id
    run_scan(sessions, blobstore, first, settings)
    assert not submit(malicious_pickle(), force=True).cached
    assert not submit(malicious_pickle(), allow=["os.system"]).cached


def test_other_rules_version_and_error_results_are_not_reused(
    submit, sessions, blobstore, settings
):
    first = submit(clean_pickle()).scan.id
    run_scan(sessions, blobstore, first, settings)
    with sessions() as s:
        s.get(Scan, first).rules_version = "1999.01.01"
        s.commit()
    assert not submit(clean_pickle()).cached
    errored = submit(b"\x80\x04K", "err.pkl", force=True).scan.id
    with sessions() as s:
        row = s.get(Scan, errored)
        row.status, row.verdict = ScanStatus.DONE, "error"
        row.engine_version, row.rules_version = ENGINE_VERSION, RULES_VERSION
        s.commit()
    assert not submit(b"\x80\x04K", "err.pkl").cached


# --------------------------------------------------------------------------- failures
def test_attempts_beyond_the_maximum_end_as_error(submit, sessions, blobstore, settings):
    scan_id = submit(clean_pickle()).scan.id
    with sessions() as s:
        s.get(Scan, scan_id).attempts = settings.max_attempts
        s.commit()
    outcome = run_scan(sessions, blobstore, scan_id, settings)
    assert outcome.verdict == "error"
    scan = _get(sessions, scan_id)
    assert "gave up after" in scan.error
    assert scan.findings[0].rule_id == "scanner.internal-error"


def test_blob_store_outage_releases_the_claim(submit, sessions, settings):
    scan_id = submit(clean_pickle()).scan.id

    class DownStore:
        def open(self, sha256):
            raise BlobStoreError("connection refused")

    with pytest.raises(TransientError):
        run_scan(sessions, DownStore(), scan_id, settings)
    scan = _get(sessions, scan_id)
    assert (scan.status, scan.attempts) == (ScanStatus.QUEUED, 0)


def test_missing_blob_is_recorded_as_error(submit, sessions, blobstore, settings):
    result = submit(clean_pickle())
    blobstore.delete(result.scan.file_sha256)
    assert run_scan(sessions, blobstore, result.scan.id, settings).verdict == "error"
    assert "no longer stored" in _get(sessions, result.scan.id).error


def test_a_timeout_is_recorded_once_as_error(submit, sessions, blobstore, settings, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    import weightscan.core.scans.run as run

    def too_slow(*_a, **_k):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(run, "_scan_fileobj", too_slow)
    scan_id = submit(clean_pickle()).scan.id
    outcome = run_scan(
        sessions, blobstore, scan_id, settings, deadline_errors=(SoftTimeLimitExceeded,)
    )
    assert outcome.verdict == "error"
    assert _get(sessions, scan_id).error.startswith("timeout")


def test_the_scanner_budget_ends_before_the_task_deadline(settings):
    from weightscan.core.scans.run import scan_limits

    tight = settings.replace(task_soft_time_limit=60)
    assert scan_limits(tight).max_seconds == 54
    roomy = settings.replace(task_soft_time_limit=6000)
    assert scan_limits(roomy) == roomy.limits


def test_scanner_crash_is_recorded_not_raised(submit, sessions, blobstore, settings, monkeypatch):
    import weightscan.core.scans.run as run

    def crash(*_a, **_k):
        raise RuntimeError("boom")

    monkeypatch.setattr(run, "_scan_fileobj", crash)
    scan_id = submit(clean_pickle()).scan.id
    assert run_scan(sessions, blobstore, scan_id, settings).verdict == "error"
    assert "RuntimeError: boom" in _get(sessions, scan_id).error


def test_a_late_result_from_a_replaced_attempt_is_dropped(submit, sessions, blobstore, settings):
    from weightscan.core.scans.run import record_error

    scan_id = submit(clean_pickle()).scan.id
    claim = claim_scan_row(sessions, scan_id)
    assert claim is not None
    attempt = claim.attempt
    with sessions() as s:  # the sweeper re-queued it and another worker claimed it
        s.get(Scan, scan_id).attempts = attempt + 1
        s.commit()
    assert not record_error(sessions, scan_id, "late", attempt=attempt).ran


# --------------------------------------------------------------------------- groups
def test_group_completes_with_the_worst_child_verdict(sessions, blobstore, settings, tmp_path):
    with sessions() as s:
        group = create_group(s, source={"type": "upload"}, callback_url="http://cb.test/x")
        a = submit_bytes(s, blobstore, clean_pickle(), "a.pkl", group_id=group.id, commit=False)
        b = submit_bytes(s, blobstore, malicious_pickle(), "b.pkl", group_id=group.id, commit=False)
        assert not seal_group(s, group.id)
        s.commit()
        gid = group.id
    first = run_scan(sessions, blobstore, a.scan.id, settings)
    assert first.completed_top_level == []
    g = _get(sessions, gid)
    assert (g.status, g.verdict, g.progress["files_done"]) == (ScanStatus.RUNNING, None, 1)
    second = run_scan(sessions, blobstore, b.scan.id, settings)
    assert second.completed_top_level == [gid]
    g = _get(sessions, gid)
    assert (g.status, g.verdict) == (ScanStatus.DONE, "malicious")
    assert g.progress["files_done"] == g.progress["files_total"] == 2


def test_an_unsealed_group_is_not_completed(sessions, blobstore, settings):
    with sessions() as s:
        group = create_group(s)
        s.commit()
        a = submit_bytes(s, blobstore, clean_pickle(), group_id=group.id)
        gid = group.id
    assert run_scan(sessions, blobstore, a.scan.id, settings).completed_top_level == []
    assert _get(sessions, gid).status == ScanStatus.QUEUED
    with sessions() as s:
        assert seal_group(s, gid)
        s.commit()
    assert _get(sessions, gid).verdict == "clean"


def test_sealing_an_all_cached_group_completes_it(submit, sessions, blobstore, settings):
    run_scan(sessions, blobstore, submit(malicious_pickle()).scan.id, settings)
    with sessions() as s:
        group = create_group(s)
        child = submit_bytes(s, blobstore, malicious_pickle(), group_id=group.id, commit=False)
        assert child.cached
        assert seal_group(s, group.id)
        s.commit()
        gid = group.id
    assert _get(sessions, gid).verdict == "malicious"


def test_fail_group(sessions):
    with sessions() as s:
        group = create_group(s)
        fail_group(s, group.id, "repository not found")
        s.commit()
        gid = group.id
    g = _get(sessions, gid)
    assert (g.status, g.verdict, g.error) == (ScanStatus.FAILED, "error", "repository not found")


def _race_siblings(url: str, blobstore, settings, tmp_path, n: int = 6) -> None:
    """n workers finish the n children of one group at the same moment."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as s:
        group = create_group(s)
        ids = [
            submit_bytes(
                s,
                blobstore,
                clean_pickle(i) if i else malicious_pickle(),
                f"f{i}.pkl",
                group_id=group.id,
                commit=False,
                force=True,
                tmp_dir=tmp_path,
            ).scan.id
            for i in range(n)
        ]
        seal_group(s, group.id)
        s.commit()
        gid = group.id
    barrier = threading.Barrier(n)
    outcomes = []

    def work(scan_id):
        barrier.wait()
        outcomes.append(run_scan(sessions, blobstore, scan_id, settings))

    threads = [threading.Thread(target=work, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    completions = [o for o in outcomes if o.completed_top_level == [gid]]
    assert len(outcomes) == n
    assert len(completions) == 1, "the group completes exactly once"
    with sessions() as s:
        g = s.get(Scan, gid)
        assert (g.status, g.verdict) == (ScanStatus.DONE, "malicious")
        assert g.progress["files_done"] == n
    engine.dispose()


def test_siblings_finishing_together_on_sqlite(migrated_db, blobstore, settings, tmp_path):
    _race_siblings(migrated_db, blobstore, settings, tmp_path)


@pytest.mark.services
def test_siblings_finishing_together_on_postgresql(
    migrated_postgres, blobstore, settings, tmp_path
):
    _race_siblings(migrated_postgres, blobstore, settings, tmp_path)


# --------------------------------------------------------------------------- rescans
def test_rescan_outdated_requeues_files_scanned_under_old_rules(
    submit, sessions, blobstore, settings
):
    old = submit(malicious_pickle(), "old.pkl").scan.id
    current = submit(clean_pickle(), "current.pkl").scan.id
    pending = submit(clean_pickle(7), "pending.pkl").scan.id
    for scan_id in (old, current):
        run_scan(sessions, blobstore, scan_id, settings)
    with sessions() as s:
        s.get(Scan, old).rules_version = "2000.01.01"
        s.commit()
        new_ids = rescan_outdated(s)
        s.commit()
    assert len(new_ids) == 1
    new = _get(sessions, new_ids[0])
    assert new.status == ScanStatus.QUEUED
    assert new.file_sha256 == sha256(malicious_pickle())
    assert new.source["rescan_of"] == old
    assert new.filename == "old.pkl"
    with sessions() as s:
        assert rescan_outdated(s) == [], "a queued rescan is not queued twice"
    assert pending not in new_ids


def test_rescan_of_a_scan_and_of_a_group(submit, sessions, blobstore, settings):
    scan_id = submit(clean_pickle()).scan.id
    run_scan(sessions, blobstore, scan_id, settings)
    with sessions() as s:
        result = rescan(s, s.get(Scan, scan_id))
        assert result.to_enqueue == [result.scan.id]
        assert not result.cached
        group = create_group(s)
        submit_bytes(s, blobstore, clean_pickle(3), group_id=group.id, commit=False)
        seal_group(s, group.id)
        s.commit()
        again = rescan(s, s.get(Scan, group.id))
        assert again.scan.kind == ScanKind.GROUP
        assert len(again.to_enqueue) == 1


def test_delete_scan_purges_unreferenced_blobs(submit, sessions, blobstore):
    result = submit(clean_pickle(9))
    digest = result.scan.file_sha256
    with sessions() as s:
        unused = delete_scan(s, result.scan.id)
        assert unused == [digest]
        assert s.get(StoredFile, digest).purged_at is not None
        assert blobstore.exists(digest)  # the bytes go only after the commit
        s.commit()
        purge_blobs(blobstore, unused)
    assert not blobstore.exists(digest)
    with sessions() as s:
        assert delete_scan(s, result.scan.id) is None
        with pytest.raises(LookupError):
            rescan(s, Scan(id="x", kind=ScanKind.FILE, file_sha256=digest))


def _attempt_of_claim(sessions, scan_id):
    claim = claim_scan_row(sessions, scan_id)
    return None if claim is None else claim.attempt


# --------------------------------------------------------------------------- sweeper
def test_sweeper_requeues_stale_running_scans_and_gives_up_after_max_attempts(
    submit, sessions, blobstore, settings
):
    scan_id = submit(clean_pickle()).scan.id
    later = utcnow() + timedelta(seconds=settings.stale_after_seconds + 1)
    for attempt in range(1, settings.max_attempts):
        assert _attempt_of_claim(sessions, scan_id) == attempt  # a worker took it ... and died
        result = sweep_stale(sessions, settings, now=later)
        assert result.requeued == [scan_id]
        assert result.given_up == []
        assert _get(sessions, scan_id).status == ScanStatus.QUEUED
    assert _attempt_of_claim(sessions, scan_id) == settings.max_attempts
    result = sweep_stale(sessions, settings, now=later)
    assert result.given_up == [scan_id]
    assert result.completed_top_level == [scan_id]
    scan = _get(sessions, scan_id)
    assert scan.verdict == "error"
    assert f"worker lost {settings.max_attempts} times" in scan.error


def test_sweeper_resends_stale_queued_scans_only(submit, sessions, settings):
    scan_id = submit(clean_pickle()).scan.id
    assert sweep_stale(sessions, settings).requeued == [], "fresh: left alone"
    later = utcnow() + timedelta(seconds=settings.stale_after_seconds + 1)
    assert sweep_stale(sessions, settings, now=later).requeued == [scan_id]
    assert _get(sessions, scan_id).status == ScanStatus.QUEUED
