"""Sources that are not uploads: URLs and Hugging Face–style registry repositories.

``RegistryClient`` speaks the Hub's HTTP API (resolve a revision to a commit sha, list a
revision's files with their LFS sha256 and sizes, build resolve URLs), always through the
SSRF guard in ``weightscan.core.fetch``. ``normalise_source`` validates a submitted source and
``submit_source`` records it as a group scan whose expansion a worker runs once the
caller has committed.
"""

from __future__ import annotations

import fnmatch
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

from weightscan.core.dispatch import Expansion, Work
from weightscan.core.fetch import FetchFailed, FetchPolicy, FetchRefused, check_url, get_json
from weightscan.core.settings import Settings

if TYPE_CHECKING:  # the client half is used by `weightscan scan hf://`, without a database
    from sqlalchemy.orm import Session

    from weightscan.core.models import Scan

log = logging.getLogger("weightscan.registry")

REPO_TYPES = ("model", "dataset", "space")
# \Z, not $: "$" also matches before a final newline ("org/name\n")
_REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?\Z")
_REVISION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}\Z")
_SHA_RE = re.compile(r"^[0-9a-f]{40}\Z")
_TOKEN_RE = re.compile(r"[\x21-\x7e]{1,512}\Z")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}\Z")
MAX_URLS = 100
MAX_GLOBS = 50
MAX_LISTING_PAGES = 200
MAX_LISTING_ENTRIES = 100_000


class SourceError(ValueError):
    """A submitted source is malformed (answer 400)."""


class RegistryError(Exception):
    """The registry refused or could not answer; ``kind`` is gated, not_found or failed."""

    def __init__(self, kind: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


@dataclass(frozen=True)
class RepoFile:
    path: str
    size: int
    sha256: str | None  # LFS files: the listing gives the content's sha256
    git_oid: str | None  # git blob id (sha1 of "blob <len>\0<content>") for small files


# -- the registry client ---------------------------------------------------------------


class RegistryClient:
    """Talks to one Hub-compatible registry (``settings.hf_endpoint``) through the guard."""

    def __init__(self, endpoint: str, policy: FetchPolicy) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.policy = policy

    def _api(self, repo_type: str, repo: str, *rest: str) -> str:
        return "/".join((self.endpoint, "api", f"{repo_type}s", repo, *rest))

    def _get(self, url: str, what: str) -> tuple[Any, dict[str, str]]:
        try:
            return get_json(url, self.policy)
        except FetchFailed as exc:
            if exc.status in (401, 403):
                raise RegistryError(
                    "gated",
                    f"{what}: the repository is gated or private "
                    f"(HTTP {exc.status}); a registry token with access is "
                    "needed",
                    exc.status,
                ) from None
            if exc.status == 404:
                raise RegistryError("not_found", f"{what}: not found (HTTP 404)", 404) from None
            raise RegistryError("failed", f"{what}: {exc}", exc.status) from None

    def resolve_revision(self, repo: str, repo_type: str, revision: str) -> str:
        """Branch, tag or sha -> the full commit sha (everything is then fetched at it)."""
        url = self._api(repo_type, repo, "revision", quote(revision, safe=""))
        doc, headers = self._get(url, f"revision {revision!r} of {repo}")
        sha = doc.get("sha") if isinstance(doc, dict) else None
        sha = sha or headers.get("x-repo-commit")
        if not isinstance(sha, str) or not _SHA_RE.match(sha):
            raise RegistryError("failed", f"the registry gave no commit sha for {revision!r}")
        return sha

    def list_files(self, repo: str, repo_type: str, sha: str) -> list[RepoFile]:
        """Every file at ``sha`` (recursive; pages followed through ``Link: rel="next"``)."""
        url: str | None = self._api(repo_type, repo, "tree", sha) + "?recursive=true"
        files: list[RepoFile] = []
        pages = 0
        while url:
            pages += 1
            if pages > MAX_LISTING_PAGES:
                raise RegistryError("failed", "the file listing has too many pages")
            doc, headers = self._get(url, f"file listing of {repo}@{sha[:12]}")
            if not isinstance(doc, list):
                raise RegistryError("failed", "the file listing is not a JSON list")
            for entry in doc:
                item = _repo_file(entry)
                if item is not None:
                    files.append(item)
            if len(files) > MAX_LISTING_ENTRIES:
                raise RegistryError("failed", "the repository holds too many files")
            nxt = next_link(headers.get("link", ""))
            url = urljoin(url, nxt) if nxt else None
        return files

    def file_url(self, repo: str, repo_type: str, sha: str, path: str) -> str:
        prefix = "" if repo_type == "model" else f"{repo_type}s/"
        return f"{self.endpoint}/{prefix}{repo}/resolve/{sha}/{quote(path)}"


def client_for(settings: Settings, policy: FetchPolicy) -> RegistryClient:
    return RegistryClient(settings.hf_endpoint, policy)


def _repo_file(entry: Any) -> RepoFile | None:
    if not isinstance(entry, dict) or entry.get("type") != "file":
        return None
    path = entry.get("path")
    if not isinstance(path, str) or not path or len(path) > 1024:
        return None
    lfs = entry.get("lfs") if isinstance(entry.get("lfs"), dict) else None
    sha256 = None
    size = entry.get("size")
    if lfs is not None:
        oid = str(lfs.get("oid", "")).removeprefix("sha256:").lower()
        sha256 = oid if _SHA256_RE.match(oid) else None
        size = lfs.get("size", size)
    blob = entry.get("oid")
    git_oid = blob.lower() if isinstance(blob, str) and _SHA_RE.match(blob.lower()) else None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return None
    return RepoFile(path=path, size=size, sha256=sha256, git_oid=None if lfs else git_oid)


_LINK_RE = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")


def next_link(header: str) -> str | None:
    """The ``rel="next"`` target of a Link header, if any."""
    for target, params in _LINK_RE.findall(header):
        if re.search(r'rel\s*=\s*"?next"?', params):
            return str(target)
    return None


def select_files(files: Iterable[RepoFile], globs: Sequence[str]) -> list[RepoFile]:
    """Files whose path or base name matches one of ``globs`` (fnmatch, case-insensitive)."""
    patterns = [g.lower() for g in globs]
    picked = []
    for f in files:
        name = f.path.lower()
        base = name.rsplit("/", 1)[-1]
        if any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(base, p) for p in patterns):
            picked.append(f)
    return sorted(picked, key=lambda f: f.path)


# -- sources -----------------------------------------------------------------------------


def normalise_source(
    source: Mapping[str, Any], policy: FetchPolicy | None = None
) -> tuple[dict[str, Any], str | None]:
    """Validate a submitted source; returns (public source, registry token or None).

    Shapes: ``{"type": "url", "url": ...}`` or ``{"type": "url", "urls": [...]}``;
    ``{"type": "huggingface", "repo": "org/name", "repo_type": "model", "revision":
    "main", "paths": ["*.bin"], "token": "hf_..."}``. With a policy, URLs are checked
    against the SSRF guard now (``FetchRefused`` -> 400 ``UrlNotAllowedError``). The token
    is never stored with the source.
    """
    if not isinstance(source, Mapping):
        raise SourceError("source must be an object")
    kind = source.get("type") or ("huggingface" if "repo" in source else "url")
    if kind == "url":
        raw = source.get("urls", [source["url"]] if "url" in source else [])
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not raw or not all(isinstance(u, str) for u in raw):
            raise SourceError("a url source needs 'url' or a non-empty list 'urls'")
        if len(raw) > MAX_URLS:
            raise SourceError(f"at most {MAX_URLS} URLs per source")
        urls = list(dict.fromkeys(raw))
        if policy is not None:
            for url in urls:
                check_url(url, policy)
        return {"type": "url", "urls": urls}, None
    if kind == "huggingface":
        repo = source.get("repo")
        repo_type = source.get("repo_type", "model")
        revision = source.get("revision") or "main"
        if not isinstance(repo, str) or not _REPO_RE.match(repo) or ".." in repo:
            raise SourceError("'repo' must look like 'owner/name'")
        if repo_type not in REPO_TYPES:
            raise SourceError(f"'repo_type' must be one of {', '.join(REPO_TYPES)}")
        if not isinstance(revision, str) or not _REVISION_RE.match(revision) or ".." in revision:
            raise SourceError("'revision' must be a branch, tag or commit sha")
        out: dict[str, Any] = {
            "type": "huggingface",
            "repo": repo,
            "repo_type": repo_type,
            "revision": revision,
        }
        paths = source.get("paths")
        if paths is not None:
            if (
                not isinstance(paths, list)
                or not all(isinstance(p, str) and 0 < len(p) < 200 for p in paths)
                or not 0 < len(paths) <= MAX_GLOBS
            ):
                raise SourceError(f"'paths' must be a list of 1..{MAX_GLOBS} glob strings")
            out["paths"] = paths
        token = source.get("token")
        if token not in (None, "") and not (isinstance(token, str) and _TOKEN_RE.match(token)):
            # it travels as a header value: CR/LF or non-ASCII would break the request
            raise SourceError("'token' must be 1..512 printable ASCII characters, no spaces")
        return out, token or None
    raise SourceError("source 'type' must be 'url' or 'huggingface'")


def display_name(source: Mapping[str, Any]) -> str:
    if source.get("type") == "huggingface":
        return f"{source['repo']}@{source.get('commit_sha') or source.get('revision')}"
    urls = source.get("urls") or []
    if len(urls) == 1:
        return str(urlsplit(urls[0]).path.rsplit("/", 1)[-1] or urls[0])[:1024]
    return f"{len(urls)} URLs"


def resolve_now(
    settings: Settings, source: dict[str, Any], token: str | None, *, use_server_token: bool = True
) -> dict[str, Any]:
    """``source`` with ``commit_sha`` resolved (bounded to a few seconds)."""
    from weightscan.core.fetch import policy_from_settings

    if token is None and not use_server_token:
        token = ""  # neither a token of the caller's nor the server's
    policy = policy_from_settings(
        settings, token=token, total_timeout=min(10.0, settings.fetch_timeout_seconds)
    )
    client = client_for(settings, policy)
    try:
        sha = client.resolve_revision(source["repo"], source["repo_type"], source["revision"])
    except RegistryError as exc:
        if exc.kind in ("gated", "not_found"):
            raise
        log.warning(
            "cannot resolve %s@%s now (%s); the worker will",
            source["repo"],
            source["revision"],
            exc,
        )
        return source
    except FetchFailed as exc:
        log.warning(
            "cannot resolve %s@%s now (%s); the worker will",
            source["repo"],
            source["revision"],
            exc,
        )
        return source
    return {**source, "commit_sha": sha}


def server_token_allowed(
    source: Mapping[str, Any], *, owner_is_admin: bool, owner_token_id: str | None
) -> bool:
    """May the server's registry token (``settings.hf_token``) be sent for this source?

    Only for a registry repository (never a caller's URLs, even ones naming the registry
    host: that would fetch another team's private file with the organisation's token),
    and only when it was asked for by an admin token, a verified webhook, or the local
    operator (no token: anonymous mode, an explicit opt-in for local requests). Other tokens pass
    their own registry ``token`` with the source.
    """
    if source.get("type") != "huggingface":
        return False
    return owner_is_admin or owner_token_id is None


def add_group(
    session: Session,
    source: Mapping[str, Any],
    *,
    callback_url: str | None = None,
    owner_token_id: str | None = None,
) -> Scan:
    """Add and flush (not commit) a queued group scan for an already normalised source."""
    from weightscan.core.scans.submit import create_group

    return create_group(
        session,
        source=dict(source),
        owner_token_id=owner_token_id,
        callback_url=callback_url or None,
        filename=display_name(source),
    )


def submit_source(
    session: Session,
    settings: Settings,
    source: Mapping[str, Any],
    *,
    callback_url: str | None = None,
    owner_token_id: str | None = None,
    force: bool = False,
    resolve: bool = True,
    use_server_token: bool = True,
) -> tuple[Scan, Work]:
    """Record (flush, not commit) a URL or registry source as a group scan.

    Raises ``SourceError`` (400) for a malformed source and ``FetchRefused`` (400
    ``UrlNotAllowedError``) for a URL or callback URL the SSRF guard refuses. Returns the
    group ``Scan`` (status ``queued``; its files appear as a worker lists and fetches
    them; ``source.commit_sha`` is filled in for registry sources) and the ``Work`` that
    hands its expansion to a worker: the caller commits, then sends it. A per-request
    registry token travels with the task message only; it is never stored.

    With ``resolve`` (default) a registry revision is resolved to its commit sha here, so
    the answer already names the exact commit, and a gated repository or an unknown
    revision is refused at once (``RegistryError`` kind ``gated`` -> 403, ``not_found`` ->
    404). If the registry cannot be reached the worker resolves it later.

    ``use_server_token`` says whether this caller may have the server's own registry
    token (``settings.hf_token``) sent for it (``server_token_allowed``); URL sources never
    get it, whoever submits them.
    """
    from weightscan.core.fetch import callback_policy, policy_from_settings

    policy = policy_from_settings(settings)
    public, token = normalise_source(source, policy)
    if callback_url:
        check_url(callback_url, callback_policy(settings))
    if public["type"] == "huggingface" and resolve:
        public = resolve_now(settings, public, token, use_server_token=use_server_token)
    group = add_group(session, public, callback_url=callback_url, owner_token_id=owner_token_id)
    return group, Work(expansions=[Expansion(group.id, token, force)])


__all__ = [
    "FetchRefused",
    "RegistryClient",
    "RegistryError",
    "RepoFile",
    "SourceError",
    "add_group",
    "normalise_source",
    "select_files",
    "server_token_allowed",
    "submit_source",
]
