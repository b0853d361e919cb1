"""Expand a URL or repository group into file scans (run by a worker's ``expand_source``
task, ``weightscan.worker.registry_tasks``).

``fetch_group`` resolves the revision to a commit sha once, lists the files at that sha,
keeps those matching the globs, and for each one:

* a listed sha256 (LFS) that already has a verdict under the current rules becomes a
  cached child scan -- no download;
* otherwise the file is streamed through the SSRF guard (``weightscan.core.fetch``) into
  a temp file with the listed size as a cap, its sha256 (LFS) or git blob id (small
  files) checked against the listing, and moved into the blob store; ``record_expansion``
  records it with ``weightscan.core.scans.submit.record_file(group_id=...)``.

Files whose names match no glob but have no well-known harmless extension are fetched
too: scanned whole when larger than the sniffing size, else kept unless content
sniffing says they are plain text, a recognised image or document, or empty (a
renamed pickle is still a pickle, an ONNX graph or a SavedModel runs ops whatever its
name). Documentation and media that a JSON/YAML config names (a shard index can
point anywhere) are scanned too. A gated repository (401/403) or a missing revision ends
the group ``failed`` with the reason.

Commit, then send, at the edge (``weightscan.worker.registry_tasks.run_expansion``): the
worker claims the group (``claim_expansion``, committed: a lease), fetches every file into
the blob store while writing no row (``fetch_group``; ``touch_expansion`` renews the
lease), then ``record_expansion`` adds every child, seals the group and returns the
``Work`` that the edge sends after its one commit. A worker that dies mid-expansion leaves
no child rows: the sweeper releases the lease and the retry starts clean, finding the
bytes it already stored (content-addressed) without downloading them again. (Bytes of a
group that is never retried stay in the blob store unreferenced, as after a failed upload
commit: never read, and harmless.)
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from weightscan.core import config_refs
from weightscan.core.blobstore import BlobStore
from weightscan.core.dispatch import Work
from weightscan.core.fetch import (
    FetchFailed,
    FetchPolicy,
    FetchRefused,
    open_url,
    policy_from_settings,
)
from weightscan.core.models import ApiToken, Scan, ScanKind, ScanStatus, SourceType
from weightscan.core.registry import (
    RegistryError,
    RepoFile,
    client_for,
    select_files,
    server_token_allowed,
)
from weightscan.core.settings import Settings
from weightscan.core.uploads import UploadError, display_filename, stream_to_temp

log = logging.getLogger(__name__)

MAX_FILES_PER_GROUP = 2000
SNIFF_MAX_BYTES = 64 << 20  # unmatched files are fetched for sniffing only up to this size
CONFIG_NAMING_BUDGET = 64 << 20  # config bytes read, in all, to find the files they name
HARMLESS_SUFFIXES = (
    ".md",
    ".txt",
    ".rst",
    ".toml",
    ".cfg",
    ".ini",
    ".gitattributes",
    ".gitignore",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".webp",
    ".csv",
    ".tsv",
    ".html",
    ".css",
    ".js",
    ".ipynb",
    ".sh",
    ".lock",
    ".license",
    ".wav",
    ".mp3",
    ".mp4",
)
# Sniffed formats no loader acts on: a sniffed file in any other format is kept (an ONNX
# graph or a SavedModel runs ops; a pickle under any name is a pickle).
NOT_MODEL_FORMATS = frozenset({"text", "other", "empty"})


@dataclass
class ExpandResult:
    group_id: str
    status: str  # expanded, failed, skipped (not a queued group, or the lease was lost)
    enqueued: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)  # finished at once (reused or unfetchable)
    downloaded: int = 0  # fetches attempted
    completed: bool = False  # the group finished here (all cached, none, or failed)
    error: str | None = None


@dataclass(frozen=True)
class _Item:
    path: str  # display path (repository path, or the URL's last segment)
    url: str
    size: int | None
    sha256: str | None
    git_oid: str | None
    sniff_only: bool  # fetched only to see whether it holds a model format


@dataclass(frozen=True)
class _Child:
    """One file of the group as fetching left it, to be recorded as a child scan:
    ``reuse`` (an earlier verdict), ``stored`` (bytes in the blob store under ``sha256``)
    or ``error`` (could not be fetched: ``reason``)."""

    kind: str
    item: _Item
    source: dict[str, Any]
    sha256: str | None = None
    size: int = 0
    reuse_id: str | None = None
    reason: str = ""


@dataclass
class FetchedGroup:
    """Everything ``fetch_group`` learnt, nothing of it written yet (``record_expansion``
    writes it in one transaction)."""

    group_id: str
    attempt: int
    owner: str | None
    force: bool
    source: dict[str, Any] = field(default_factory=dict)
    children: list[_Child] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    downloaded: int = 0
    failure: str | None = None  # the group fails with this reason (no children)


# -- the lease ----------------------------------------------------------------------------


def claim_expansion(session: Session, group_id: str) -> int | None:
    """Take the expansion of a queued group: ``started_at`` set means someone holds it
    (the sweeper clears it when that worker's heartbeat, ``queued_at``, went stale).
    Returns the attempt number, or None if it is taken, finished or unknown. Flushed:
    the caller commits at once, before fetching, so a duplicate message sees the lease."""
    from sqlalchemy import update

    from weightscan.core.db import utcnow

    now = utcnow()
    result = session.execute(
        update(Scan)
        .where(
            Scan.id == group_id,
            Scan.kind == ScanKind.GROUP,
            Scan.status == ScanStatus.QUEUED,
            Scan.started_at.is_(None),
        )
        .values(started_at=now, queued_at=now, attempts=Scan.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    attempts = session.scalar(select(Scan.attempts).where(Scan.id == group_id))
    return int(attempts or 1)


def touch_expansion(
    session: Session, group_id: str, attempt: int, progress: dict[str, Any]
) -> None:
    """The holder's heartbeat: ``queued_at`` is the sweeper's clock, ``progress`` what the
    scan page shows. Only the group row of the lease we hold; no child is written before
    ``record_expansion``. Flushed; the caller commits."""
    from sqlalchemy import update

    from weightscan.core.db import utcnow

    session.execute(
        update(Scan)
        .where(Scan.id == group_id, Scan.status == ScanStatus.QUEUED, Scan.attempts == attempt)
        .values(queued_at=utcnow(), progress=progress)
        .execution_options(synchronize_session=False)
    )


# -- fetching: network and blob store only --------------------------------------------------


def fetch_group(
    sessions: sessionmaker[Session],
    blobstore: BlobStore,
    settings: Settings,
    group_id: str,
    attempt: int,
    *,
    token: str | None = None,
    force: bool = False,
    heartbeat: Callable[[dict[str, Any]], Any] = lambda progress: None,
) -> FetchedGroup:
    """List the group's source and fetch its files into the blob store (see the module
    docstring); reads the database, writes no row. ``heartbeat(progress)`` is called
    before each file: the caller renews the lease with ``touch_expansion`` and commits.

    Blobs are content-addressed, so storing one twice is a no-op, and a retry after a
    crash skips downloading a listed sha256 whose bytes are already stored.
    """
    with sessions() as session:
        group = session.get(Scan, group_id)
        if group is None:
            return FetchedGroup(group_id, attempt, None, force, failure="the group was deleted")
        source = dict(group.source or {})
        owner = group.owner_token_id
        owner_row = session.get(ApiToken, owner) if owner else None
        may_use_server_token = server_token_allowed(
            source,
            owner_token_id=owner,
            owner_is_admin=owner_row is not None and "admin" in (owner_row.scopes or ()),
        )
    fetched = FetchedGroup(group_id, attempt, owner, force, source=source)
    if attempt > settings.max_attempts:
        fetched.failure = f"gave up expanding this source after {attempt - 1} lost attempts"
        return fetched
    heartbeat({"stage": "listing"})
    if source.get("type") != "huggingface":
        token = ""  # a caller's URLs never get a registry token
    elif token is None and not may_use_server_token:
        token = ""  # this caller may not borrow the server's token
    policy = policy_from_settings(settings, token=token)
    try:
        items, fetched.source = _plan(settings, policy, source, heartbeat)
    except (RegistryError, FetchRefused, FetchFailed) as exc:
        fetched.failure = _reason(exc)
        return fetched
    remaining = settings.group_max_bytes  # URL sources list no sizes: counted as fetched
    for done, item in enumerate(items):
        heartbeat({"stage": "fetching", "files_total": len(items), "files_done": done})
        child, attempted, note = _fetch_one(
            sessions,
            blobstore,
            settings,
            policy,
            fetched.source,
            item,
            force=force,
            budget=remaining,
        )
        if attempted and child is not None and child.kind == "stored":
            remaining -= child.size
        fetched.downloaded += attempted
        if note:
            fetched.skipped.append({"path": item.path, "reason": note})
        if child is not None:
            fetched.children.append(child)
    return fetched


def _fetch_one(
    sessions: sessionmaker[Session],
    blobstore: BlobStore,
    settings: Settings,
    policy: FetchPolicy,
    source: dict[str, Any],
    item: _Item,
    *,
    force: bool,
    budget: int,
) -> tuple[_Child | None, bool, str | None]:
    """Returns (the child to record or None, fetch attempted?, note if skipped).
    ``budget``: what is left of the group's ``group_max_bytes``."""
    from weightscan.core.scans.submit import find_reusable_scan

    child_source = _child_source(source, item)
    if item.sha256 and not force:
        with sessions() as session:
            previous = find_reusable_scan(session, item.sha256, {})
            if previous is not None:
                return _Child("reuse", item, child_source, reuse_id=previous.id), False, None
    if item.sha256 and item.size is not None and not force and _stored_already(blobstore, item):
        return _Child("stored", item, child_source, item.sha256, item.size), False, None
    cap = min(settings.fetch_max_bytes, settings.max_upload_bytes, max(0, budget))
    temp: Path | None = None
    try:
        if budget <= 0:
            raise FetchRefused("the group reached WEIGHTSCAN_GROUP_MAX_BYTES")
        if item.size is not None and item.size > cap:
            raise FetchRefused(f"listed size {item.size} exceeds the limit of {cap} bytes")
        with open_url(item.url, policy) as response:
            length = response.content_length
            if item.size is None and length is not None and length > cap:
                raise FetchFailed(f"Content-Length {length} exceeds the limit of {cap} bytes")
            limit = cap if item.size is None else item.size
            stored = stream_to_temp(
                response.reader(limit),
                limit,
                temp_dir=settings.home / "tmp",
                expected_size=item.size,
            )
            temp = stored.path
        _verify(item, stored.path, stored.sha256)
        if item.sniff_only and _sniff(stored.path) in NOT_MODEL_FORMATS:
            return None, True, None  # fetched to look; not a model file
        blobstore.put(stored.path, stored.sha256)
        temp = None  # moved into the blob store
        child = _Child("stored", item, child_source, stored.sha256, stored.size)
        return child, True, None
    except (FetchRefused, FetchFailed, UploadError, _Mismatch) as exc:
        reason = _reason(exc)
        if budget < min(settings.fetch_max_bytes, settings.max_upload_bytes):
            reason += " (what is left of the group's WEIGHTSCAN_GROUP_MAX_BYTES)"
        if item.sniff_only:
            return None, True, f"not fetched: {reason}"
        return _Child("error", item, child_source, reason=reason), True, None
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)


def _stored_already(blobstore: BlobStore, item: _Item) -> bool:
    """The listed LFS bytes are in the blob store (an interrupted attempt stored them)."""
    from weightscan.core.blobstore import BlobStoreError

    assert item.sha256 is not None
    try:
        return blobstore.exists(item.sha256) and blobstore.size(item.sha256) == item.size
    except BlobStoreError:
        return False  # fetch it again rather than fail on a store hiccup


def _check_paths(listing: list[RepoFile]) -> None:
    """git stores no path with an empty, ``.`` or ``..`` segment: a listing that names one
    is not describing a repository, and its download URL would address another file."""
    for f in listing:
        if any(part in ("", ".", "..") for part in f.path.split("/")):
            raise RegistryError("failed", f"the file listing names an unsafe path {f.path[:200]!r}")


def _check_count(candidates: int) -> None:
    if candidates > MAX_FILES_PER_GROUP:
        raise RegistryError("failed", f"more than {MAX_FILES_PER_GROUP} candidate files")


def _plan(
    settings: Settings,
    policy: FetchPolicy,
    source: dict[str, Any],
    heartbeat: Callable[[dict[str, Any]], Any],
) -> tuple[list[_Item], dict[str, Any]]:
    if source.get("type") == "huggingface":
        client = client_for(settings, policy)
        repo, repo_type = source["repo"], source.get("repo_type", "model")
        sha = source.get("commit_sha") or client.resolve_revision(
            repo, repo_type, source.get("revision") or "main"
        )
        listing = client.list_files(repo, repo_type, sha)
        _check_paths(listing)
        globs = tuple(source.get("paths") or settings.model_file_globs)
        picked = select_files(listing, globs)
        picked_paths = {f.path for f in picked}
        unmatched = (
            []
            if source.get("paths")
            else [f for f in listing if f.path not in picked_paths and _may_be_loaded(f)]
        )
        # A large unmatched file is scanned whole: a shard index names files whatever
        # their names, and it is too large to fetch only to sniff (and then drop silently).
        extra = [f for f in unmatched if f.size <= SNIFF_MAX_BYTES]
        picked += [f for f in unmatched if f.size > SNIFF_MAX_BYTES]
        _check_count(len(picked) + len(extra))  # before reading any config
        if not source.get("paths"):
            # documentation and media a config names (a shard index can point anywhere)
            seen = picked_paths | {f.path for f in unmatched}
            left = [f for f in listing if f.path not in seen]
            picked += _named_by_configs(
                client, repo, repo_type, sha, policy, picked, left, heartbeat
            )
        _check_count(len(picked) + len(extra))
        listed = sum(f.size for f in picked) + sum(f.size for f in extra)
        if listed > settings.group_max_bytes:
            raise RegistryError(
                "failed",
                f"the candidate files hold {listed} bytes, more than this server's "
                f"WEIGHTSCAN_GROUP_MAX_BYTES ({settings.group_max_bytes})",
            )
        items = [_item(client, repo, repo_type, sha, f, sniff_only=False) for f in picked]
        items += [_item(client, repo, repo_type, sha, f, sniff_only=True) for f in extra]
        return items, {
            **source,
            "commit_sha": sha,
            "files_listed": len(listing),
            "files_selected": len(items),
        }
    urls = list(source.get("urls") or [])
    return [_Item(_url_name(u), u, None, None, None, sniff_only=False) for u in urls], source


def _named_by_configs(
    client: Any,
    repo: str,
    repo_type: str,
    sha: str,
    policy: FetchPolicy,
    picked: list[RepoFile],
    left: list[RepoFile],
    heartbeat: Callable[[dict[str, Any]], Any],
) -> list[RepoFile]:
    """The ``left`` files that a picked JSON/YAML config names. A config that cannot be
    fetched here is fetched (and its failure recorded) as an item later. Fails closed:
    a config too large to search, or past ``CONFIG_NAMING_BUDGET`` in all, could name
    any of them, so all are kept."""
    if not left:
        return []
    matcher = config_refs.NameMatcher(f.path for f in left)
    named: set[str] = set()
    budget = CONFIG_NAMING_BUDGET
    for f in picked:
        if not config_refs.is_config(f.path) or len(named) == len(matcher.paths):
            continue
        if f.size > min(budget, config_refs.MAX_RAW_BYTES):
            return list(left)
        heartbeat({"stage": "reading configs"})
        try:
            with open_url(client.file_url(repo, repo_type, sha, f.path), policy) as response:
                data = response.read_limited(min(budget, config_refs.MAX_RAW_BYTES) + 1)
        except (FetchRefused, FetchFailed, OSError):
            continue
        if len(data) > budget:  # the listing understated its size
            return list(left)
        budget -= len(data)
        named |= matcher.named(config_refs.named_in_bytes(f.path, data))
    return [f for f in left if f.path in named]


def _may_be_loaded(f: RepoFile) -> bool:
    """A file no glob picked that a loader may still read: not empty, not hidden, and
    not documentation or media by its suffix."""
    name = f.path.rsplit("/", 1)[-1].lower()
    return f.size > 0 and not name.endswith(HARMLESS_SUFFIXES) and not name.startswith(".")


def _item(
    client: Any, repo: str, repo_type: str, sha: str, f: RepoFile, *, sniff_only: bool
) -> _Item:
    return _Item(
        f.path,
        client.file_url(repo, repo_type, sha, f.path),
        f.size,
        f.sha256,
        f.git_oid,
        sniff_only=sniff_only,
    )


def _url_name(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    return display_filename(unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or "download")


# -- recording: one transaction -----------------------------------------------------------


def record_expansion(session: Session, fetched: FetchedGroup) -> tuple[ExpandResult, Work]:
    """Write what ``fetch_group`` found: every child scan, the group's source, then seal
    it (or fail it). Flushed, not committed: the caller commits, then sends the returned
    ``Work`` (child scans to run, the group if that completed it).

    Only the holder of the current lease writes: if the sweeper gave the group to
    another worker meanwhile (``attempts`` moved on) or it is no longer queued, nothing is
    written and the result is ``skipped``. A worker that dies before the commit leaves no
    child behind, so the retry starts from a clean group.
    """
    from weightscan.core.scans.groups import lock_group, refresh_group_progress
    from weightscan.core.scans.submit import fail_group, seal_group

    group_id = fetched.group_id
    group = lock_group(session, group_id)
    if group is None or group.status != ScanStatus.QUEUED or group.attempts != fetched.attempt:
        return ExpandResult(group_id, "skipped"), Work()
    if fetched.failure is not None:
        fail_group(session, group_id, fetched.failure)
        log.info("group %s failed: %s", group_id, fetched.failure)
        result = ExpandResult(group_id, "failed", completed=True, error=fetched.failure)
        result.downloaded = fetched.downloaded
        return result, Work(completed=[group_id])
    result = ExpandResult(group_id, "expanded", downloaded=fetched.downloaded)
    # A queued group has no children unless an older version wrote them one by one.
    present = set(session.scalars(select(Scan.filename).where(Scan.group_id == group_id)))
    for child in fetched.children:
        if child.item.path[:1024] in present:
            continue
        scan_id, needs_scan = _record_child(session, fetched, child)
        (result.enqueued if needs_scan else result.cached).append(scan_id)
    source = dict(fetched.source)
    if fetched.skipped:
        source["skipped"] = fetched.skipped[:200]
    group.source = source
    session.flush()
    result.completed = seal_group(session, group_id)
    if not result.completed:
        refresh_group_progress(session, group_id, group)  # "scanning", n of m done
    return result, Work(
        scans=list(result.enqueued), completed=[group_id] if result.completed else []
    )


def _record_child(session: Session, fetched: FetchedGroup, child: _Child) -> tuple[str, bool]:
    """Add one child scan; returns (its id, needs a scan?)."""
    from weightscan.core.blobstore import blob_key
    from weightscan.core.scans.submit import record_file

    item, owner = child.item, fetched.owner
    if child.kind == "reuse":
        previous = session.get(Scan, child.reuse_id) if child.reuse_id else None
        if previous is not None and previous.status == ScanStatus.DONE:
            return _link_cached(
                session, previous, fetched.group_id, item, child.source, owner
            ), False
        reason = "the earlier scan of these bytes was deleted meanwhile; submit again"
        return _record_fetch_error(
            session, fetched.group_id, item, child.source, owner, reason
        ), False
    if child.kind == "error":
        return _record_fetch_error(
            session, fetched.group_id, item, child.source, owner, child.reason
        ), False
    assert child.sha256 is not None
    submitted = record_file(
        session,
        child.sha256,
        child.size,
        blob_key(child.sha256),
        item.path[:1024],
        source=child.source,
        force=fetched.force,
        owner_token_id=owner,
        group_id=fetched.group_id,
    )
    return submitted.scan.id, not submitted.cached


class _Mismatch(Exception):
    pass


def _verify(item: _Item, path: Path, sha256: str) -> None:
    """The bytes must be the ones the listing describes (LFS sha256, or git blob id)."""
    if item.sha256 is not None and sha256 != item.sha256:
        raise _Mismatch(f"sha256 {sha256} does not match the listing's {item.sha256}")
    if item.sha256 is None and item.git_oid is not None:
        h = hashlib.sha1(b"blob %d\x00" % path.stat().st_size)  # noqa: S324 -- git's id
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        if h.hexdigest() != item.git_oid:
            raise _Mismatch(
                f"git blob id {h.hexdigest()} does not match the listing's {item.git_oid}"
            )


def _sniff(path: Path) -> str:
    try:
        from weightscan.scanner.dispatch import sniff
        from weightscan.scanner.source import Source

        with open(path, "rb") as f:
            return str(sniff(Source(f, name=path.name)).value)
    except Exception:  # a sniffer failure must not drop a file silently: keep it
        log.warning("sniffing %s failed", path, exc_info=True)
        return "unknown"


def _child_source(source: dict[str, Any], item: _Item) -> dict[str, Any]:
    if source.get("type") == "huggingface":
        return {
            "type": "huggingface",
            "repo": source["repo"],
            "repo_type": source.get("repo_type", "model"),
            "revision": source.get("revision"),
            "commit_sha": source.get("commit_sha"),
            "path": item.path,
        }
    return {"type": "url", "url": item.url}


def _link_cached(
    session: Session,
    previous: Scan,
    group_id: str,
    item: _Item,
    child_source: dict[str, Any],
    owner: str | None,
) -> str:
    """A child that reuses ``previous``'s verdict and findings (no download)."""
    from weightscan.core.scans.groups import refresh_group_progress
    from weightscan.core.scans.submit import copy_result

    child = Scan(
        kind=ScanKind.FILE,
        file_sha256=previous.file_sha256,
        size=previous.size,
        filename=item.path[:1024],
        source_type=SourceType(child_source["type"]),
        source=child_source,
        policy={},
        owner_token_id=owner,
        group_id=group_id,
    )
    copy_result(previous, child)
    session.add(child)
    session.flush()
    refresh_group_progress(session, group_id)
    return child.id


def _record_fetch_error(
    session: Session,
    group_id: str,
    item: _Item,
    child_source: dict[str, Any],
    owner: str | None,
    reason: str,
) -> str:
    """A child that could not be fetched: verdict ``error`` (never silently clean)."""
    from weightscan.core.db import utcnow

    now = utcnow()
    child = Scan(
        kind=ScanKind.FILE,
        status=ScanStatus.DONE,
        verdict="error",
        filename=item.path[:1024],
        size=item.size,
        source_type=SourceType(child_source["type"]),
        source=child_source,
        owner_token_id=owner,
        group_id=group_id,
        error=f"the file could not be fetched: {reason}"[:500],
        started_at=now,
        finished_at=now,
        progress={"stage": "done"},
    )
    session.add(child)
    session.flush()
    return child.id


def _reason(exc: Exception) -> str:
    if isinstance(exc, FetchRefused):
        return f"refused by the fetch guard: {exc.reason}"
    return str(exc)[:500]


# -- sweeping: lost expansion messages, lost delivery retries ------------------------------------

DELIVERY_GRACE_SECONDS = 60  # a retry message normally arrives on time; only then step in


def sweep_registry(
    sessions: sessionmaker[Session], settings: Settings, *, now: Any = None
) -> tuple[list[str], list[str]]:
    """(groups to expand again, deliveries to attempt again).

    A URL/registry group still ``queued`` whose ``queued_at`` (refreshed per file while
    it expands) is older than ``settings.stale_after_seconds`` lost its message or its
    worker: its lease is released and it is sent again; re-expanding is safe (an
    interrupted expansion wrote no child), and after ``settings.max_attempts`` the group
    fails. A per-request registry token is not stored, so such a retry runs with the
    configured token only.
    """
    from datetime import timedelta

    from weightscan.core.db import utcnow
    from weightscan.core.models import SourceType
    from weightscan.core.notify import due_deliveries

    now = now or utcnow()
    cutoff = now - timedelta(seconds=settings.stale_after_seconds)
    with sessions() as session:
        groups = list(
            session.scalars(
                select(Scan.id)
                .where(
                    Scan.kind == ScanKind.GROUP,
                    Scan.status == ScanStatus.QUEUED,
                    Scan.source_type.in_((SourceType.URL, SourceType.HUGGINGFACE)),
                    Scan.queued_at < cutoff,
                )
                .order_by(Scan.queued_at)
                .limit(100)
            )
        )
        for group_id in groups:  # release the lease; the next sweep waits a full period
            group = session.get(Scan, group_id)
            if group is not None:
                group.queued_at = now
                group.started_at = None
        session.commit()
        late = due_deliveries(session, now=now - timedelta(seconds=DELIVERY_GRACE_SECONDS))
    return groups, late
