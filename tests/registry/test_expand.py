"""Expanding a repository revision into file scans, in process, against the fake registry."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from tests.registry.conftest import SentWork, expand_now
from tests.registry.fake_registry import FakeRepo
from tests.registry.samples import MALICIOUS_PICKLE, benign_pickle, safetensors
from weightscan.core.models import Scan, ScanStatus
from weightscan.core.registry import add_group, normalise_source
from weightscan.core.scans.run import run_scan


def _group(service, source: dict) -> str:
    public, _ = normalise_source(source)
    with service.sessions() as session:
        group = add_group(session, public)
        session.commit()
        return group.id


def _expand(service, group_id, **kwargs):
    return expand_now(service, group_id, **kwargs)


def _claim(service, group_id):
    from weightscan.core.expansion import claim_expansion

    with service.sessions() as session:
        attempt = claim_expansion(session, group_id)
        session.commit()
        return attempt


def _run_all(service, ids):
    for scan_id in ids:
        run_scan(service.sessions, service.blobstore, scan_id, service.settings)


def _children(service, group_id):
    with service.sessions() as session:
        group = session.get(Scan, group_id)
        kids = {
            c.filename: (c.status.value, c.verdict, c.cached_from is not None, c.error)
            for c in group.children
        }
        return group.status.value, group.verdict, dict(group.source), group.error, kids


def test_a_revision_is_listed_fetched_scanned_and_recorded(registry, service):
    files = {
        "model.safetensors": safetensors(1),
        "evil.pkl": MALICIOUS_PICKLE,
        "config.json": b"{}",
        "README.md": b"# model",
        "sub/weights.bin": benign_pickle(2),
    }
    repo = registry.add_repo(
        FakeRepo("org/mixed", files=files, lfs={"model.safetensors", "evil.pkl", "sub/weights.bin"})
    )
    group_id = _group(service, {"repo": "org/mixed"})
    result = _expand(service, group_id)
    assert result.status == "expanded"
    assert result.downloaded == 4
    # config.json is read once more while planning: it may name documentation to scan
    assert len(registry.downloads()) == 5
    _run_all(service, result.enqueued)
    status, verdict, source, _, kids = _children(service, group_id)
    assert source["commit_sha"] == repo.branches["main"]
    assert set(kids) == {"model.safetensors", "evil.pkl", "sub/weights.bin", "config.json"}
    assert kids["evil.pkl"][1] == "malicious"
    assert kids["model.safetensors"][1] == "clean"
    assert (status, verdict) == ("done", "malicious")


def test_known_sha256_is_not_downloaded_again(registry, service):
    files = {f"m{i}.safetensors": safetensors(i) for i in range(4)}
    registry.add_repo(FakeRepo("org/a", files=files, lfs=set(files)))
    first = _expand(service, _group(service, {"repo": "org/a"}))
    _run_all(service, first.enqueued)
    assert len(registry.downloads()) == 4
    files2 = {**files, "new.safetensors": safetensors(99)}
    registry.add_repo(FakeRepo("org/b", files=files2, lfs=set(files2)))
    group_id = _group(service, {"repo": "org/b"})
    second = _expand(service, group_id)
    assert len(registry.downloads()) == 5  # only the new file
    assert len(second.cached) == 4
    assert second.downloaded == 1
    _run_all(service, second.enqueued)
    status, verdict, _, _, kids = _children(service, group_id)
    assert (status, verdict) == ("done", "clean")
    assert sum(1 for k in kids.values() if k[2]) == 4
    # force: everything again
    forced = _expand(service, _group(service, {"repo": "org/b"}), force=True)
    assert forced.downloaded == 5


def test_all_cached_completes_the_group_at_once(registry, service):
    files = {"a.safetensors": safetensors(1)}
    registry.add_repo(FakeRepo("org/once", files=files, lfs=set(files)))
    _run_all(service, _expand(service, _group(service, {"repo": "org/once"})).enqueued)
    group_id = _group(service, {"repo": "org/once"})
    result = _expand(service, group_id)
    assert result.completed
    assert _children(service, group_id)[:2] == ("done", "clean")


@pytest.mark.parametrize("status", [401, 403])
def test_gated_repository_fails_the_group(registry, service, status):
    registry.add_repo(FakeRepo("org/gated", files={"a.bin": b"x"}, gated=status))
    group_id = _group(service, {"repo": "org/gated"})
    result = _expand(service, group_id)
    assert result.status == "failed"
    assert result.completed
    group_status, verdict, _, error, _ = _children(service, group_id)
    assert (group_status, verdict) == ("failed", "error")
    assert "gated" in error
    assert f"HTTP {status}" in error
    # the token reaches the registry host only: with it the same repo expands
    ok = _expand(
        service.with_settings(hf_token=registry.token), _group(service, {"repo": "org/gated"})
    )
    assert ok.status == "expanded"
    assert all("authorization" not in e.headers for e in registry.cdn.requests())


def test_per_request_token_is_used(registry, service):
    registry.add_repo(FakeRepo("org/gated2", files={"a.bin": benign_pickle(1)}, gated=401))
    result = _expand(service, _group(service, {"repo": "org/gated2"}), token=registry.token)
    assert result.status == "expanded"


def test_missing_revision_fails_the_group(registry, service):
    registry.add_repo(FakeRepo("org/r", files={"a.bin": b"x"}))
    group_id = _group(service, {"repo": "org/r", "revision": "no-such-branch"})
    assert _expand(service, group_id).status == "failed"
    assert "not found" in _children(service, group_id)[3]


@pytest.mark.parametrize(
    ("trick", "why"),
    [
        ("listing_small", "exceeds"),
        ("listing_large", "received"),
        ("wrong_sha", "does not match"),
        ("short", "exceeds"),  # Content-Length above the listed size: refused up front
        ("cl_small", "received"),
        ("slow", "timed out"),
        ("outsider", "not on the allowlist"),
        ("forbidden:http://169.254.169.254/latest/meta-data/", "refused"),
    ],
)
def test_lying_slow_and_redirecting_servers_yield_error_children(
    registry, service, trick, why, connections
):
    files = {"good.safetensors": safetensors(1), "bad.bin": benign_pickle(5) * 20}
    registry.add_repo(FakeRepo("org/liar", files=files, lfs=set(files), tricks={"bad.bin": trick}))
    service.with_settings(fetch_timeout_seconds=0.5)
    group_id = _group(service, {"repo": "org/liar"})
    result = _expand(service, group_id)
    _run_all(service, result.enqueued)
    status, verdict, _, _, kids = _children(service, group_id)
    assert kids["bad.bin"][:2] == ("done", "error")
    assert why in kids["bad.bin"][3]
    assert kids["good.safetensors"][1] == "clean"
    assert (status, verdict) == ("done", "error")  # never clean with an unfetched file
    assert registry.outsider.requests() == []
    assert all(addr in ("127.0.0.1", "127.0.0.2") for addr, _ in connections)


def test_unmatched_files_are_sniffed_and_kept_only_if_they_hold_a_model(registry, service):
    files = {
        "weights": MALICIOUS_PICKLE,
        "notes": b"just some text\n",
        "README.md": b"# hi",
        "model.safetensors": safetensors(3),
    }
    registry.add_repo(FakeRepo("org/sniff", files=files, lfs={"model.safetensors"}))
    group_id = _group(service, {"repo": "org/sniff"})
    result = _expand(service, group_id)
    _run_all(service, result.enqueued)
    _, verdict, _, _, kids = _children(service, group_id)
    assert set(kids) == {"weights", "model.safetensors"}  # README.md never fetched
    assert verdict == "malicious"
    fetched = {e.path.rsplit("/", 1)[-1] for e in registry.hub.requests() if "/resolve/" in e.path}
    assert "README.md" not in fetched


def test_url_source(registry, service):
    data = safetensors(7)
    registry.add_repo(FakeRepo("org/u", files={"x.safetensors": data}, lfs={"x.safetensors"}))
    sha = registry.repos["org/u"].branches["main"]
    url = f"{registry.endpoint}/org/u/resolve/{sha}/x.safetensors"
    group_id = _group(service, {"type": "url", "url": url})
    result = _expand(service, group_id)
    _run_all(service, result.enqueued)
    _, verdict, _, _, kids = _children(service, group_id)
    assert kids == {"x.safetensors": ("done", "clean", False, None)}
    assert verdict == "clean"
    with service.sessions() as session:
        child = session.scalars(select(Scan).where(Scan.group_id == group_id)).one()
        assert child.file_sha256 == hashlib.sha256(data).hexdigest()


def test_expansion_is_idempotent(registry, service):
    registry.add_repo(
        FakeRepo("org/i", files={"a.safetensors": safetensors(1)}, lfs={"a.safetensors"})
    )
    group_id = _group(service, {"repo": "org/i"})
    _expand(service, group_id)
    assert _expand(service, group_id).status == "skipped"
    with service.sessions() as session:
        assert session.get(Scan, group_id).status != ScanStatus.QUEUED


def test_sweeper_re_expands_a_lost_group_and_resends_late_deliveries(registry, service):
    from datetime import timedelta

    from weightscan.core.db import utcnow
    from weightscan.core.expansion import sweep_registry
    from weightscan.core.models import CallbackDelivery, DeliveryStatus

    registry.add_repo(
        FakeRepo("org/lost", files={"a.safetensors": safetensors(1)}, lfs={"a.safetensors"})
    )
    lost = _group(service, {"repo": "org/lost"})
    fresh = _group(service, {"repo": "org/lost"})
    later = utcnow() + timedelta(seconds=service.settings.stale_after_seconds + 5)
    with service.sessions() as session:
        session.get(Scan, fresh).queued_at = later
        session.add(
            CallbackDelivery(
                id="msg_late",
                scan_id=lost,
                url="http://127.0.0.1:1/",
                status=DeliveryStatus.PENDING,
                next_attempt_at=utcnow() - timedelta(hours=1),
            )
        )
        session.commit()
    groups, late = sweep_registry(service.sessions, service.settings, now=later)
    assert groups == [lost]
    assert late == ["msg_late"]
    assert sweep_registry(service.sessions, service.settings, now=later)[0] == []  # claimed
    assert _expand(service, lost).status == "expanded"  # and the re-expansion works


def test_expansion_is_claimed_once_and_gives_up_after_max_attempts(registry, service):
    from datetime import timedelta

    from weightscan.core.db import utcnow
    from weightscan.core.expansion import sweep_registry

    registry.add_repo(
        FakeRepo("org/dying", files={"a.safetensors": safetensors(1)}, lfs={"a.safetensors"})
    )
    group_id = _group(service, {"repo": "org/dying"})
    assert _claim(service, group_id) == 1
    assert _expand(service, group_id).status == "skipped"  # a duplicate message: held
    later = utcnow()
    for attempt in range(2, service.settings.max_attempts + 2):  # the worker keeps dying
        later += timedelta(seconds=service.settings.stale_after_seconds + 5)
        assert sweep_registry(service.sessions, service.settings, now=later)[0] == [group_id]
        if attempt <= service.settings.max_attempts:
            assert _claim(service, group_id) == attempt
    result = _expand(service, group_id)
    assert result.status == "failed"
    assert "gave up" in result.error
    assert _children(service, group_id)[:2] == ("failed", "error")


def test_repository_code_and_its_config_are_scanned(registry, service):
    files = {
        "model.safetensors": safetensors(3),
        "README.md": b"# model",
        "config.json": b'{"auto_map": {"AutoModel": "other/repo--modeling_x.M"}}',
        "modeling_x.py": b"import os\nos.system('echo x')\n",
    }
    registry.add_repo(FakeRepo("org/code", files=files, lfs={"model.safetensors"}))
    group_id = _group(service, {"repo": "org/code"})
    result = _expand(service, group_id)
    _run_all(service, result.enqueued)
    status, verdict, _, _, kids = _children(service, group_id)
    assert set(kids) == {"model.safetensors", "config.json", "modeling_x.py"}
    assert kids["modeling_x.py"][1] == "malicious"
    assert kids["config.json"][1] == "suspicious"  # auto_map into another repository
    assert (status, verdict) == ("done", "malicious")


# -- commit, then send: no partial state (issue 13 #3) ----------------------------------------


class WorkerDied(Exception):
    """Stands in for SIGKILL mid-expansion: nothing after it runs."""


def test_a_worker_dying_mid_expansion_leaves_no_children_and_the_retry_is_clean(
    registry, service, monkeypatch
):
    from datetime import timedelta

    from weightscan.core.db import utcnow
    from weightscan.core.expansion import sweep_registry

    files = {f"m{i}.safetensors": safetensors(i) for i in range(3)}
    registry.add_repo(FakeRepo("org/dies", files=files, lfs=set(files)))
    group_id = _group(service, {"repo": "org/dies"})
    real_put = type(service.blobstore).put
    stored: list[str] = []

    def put_then_die(store, path, sha256):
        if len(stored) == 2:
            raise WorkerDied
        stored.append(sha256)
        return real_put(store, path, sha256)

    monkeypatch.setattr(type(service.blobstore), "put", put_then_die)
    sent = SentWork(service.sessions)
    with pytest.raises(WorkerDied):
        expand_now(service, group_id, dispatcher=sent)
    monkeypatch.undo()
    status, _, _, _, kids = _children(service, group_id)
    assert (status, kids) == ("queued", {})  # two files were fetched, none recorded
    assert sent.scan_ids == []
    assert len(registry.downloads()) == 3

    later = utcnow() + timedelta(seconds=service.settings.stale_after_seconds + 5)
    assert sweep_registry(service.sessions, service.settings, now=later)[0] == [group_id]
    retry = expand_now(service, group_id)
    assert retry.status == "expanded"
    assert len(retry.enqueued) == 3
    assert len(registry.downloads()) == 4  # the two stored files were not fetched again
    _run_all(service, retry.enqueued)
    status, verdict, _, _, kids = _children(service, group_id)
    assert (status, verdict) == ("done", "clean")
    assert sorted(kids) == sorted(files)  # each file once


def test_only_the_current_lease_holder_records(registry, service):
    """The sweeper handed a slow worker's group to another one; when the slow one is done
    fetching it writes nothing (no duplicate children)."""
    from datetime import timedelta

    from weightscan.core.db import utcnow
    from weightscan.core.expansion import fetch_group, record_expansion, sweep_registry

    registry.add_repo(
        FakeRepo("org/slow", files={"a.safetensors": safetensors(1)}, lfs={"a.safetensors"})
    )
    group_id = _group(service, {"repo": "org/slow"})
    slow_attempt = _claim(service, group_id)
    slow = fetch_group(service.sessions, service.blobstore, service.settings, group_id, 1)
    later = utcnow() + timedelta(seconds=service.settings.stale_after_seconds + 5)
    assert sweep_registry(service.sessions, service.settings, now=later)[0] == [group_id]
    assert expand_now(service, group_id).status == "expanded"  # the second worker
    assert slow_attempt == 1
    with service.sessions() as session:
        result, work = record_expansion(session, slow)
        session.commit()
    assert result.status == "skipped"
    assert (work.scans, work.completed) == ([], [])
    assert len(_children(service, group_id)[4]) == 1


def test_a_duplicate_message_after_the_commit_sends_nothing(registry, service):
    registry.add_repo(
        FakeRepo("org/dup", files={"a.safetensors": safetensors(2)}, lfs={"a.safetensors"})
    )
    group_id = _group(service, {"repo": "org/dup"})
    assert len(expand_now(service, group_id).enqueued) == 1
    again = SentWork(service.sessions)
    assert expand_now(service, group_id, dispatcher=again).status == "skipped"
    assert (again.scan_ids, again.completed_ids) == ([], [])
