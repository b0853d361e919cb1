"""``weightscan scan hf://org/name[@revision]``: scan a Hub repository without cloning it.

Everything goes through the service's SSRF-guarded registry client
(``weightscan.core.registry`` on ``weightscan.core.fetch``): the registry is
``WEIGHTSCAN_HF_ENDPOINT`` (default https://huggingface.co), the guard's allowlists are the
``WEIGHTSCAN_FETCH_*`` settings, the token (``WEIGHTSCAN_HF_TOKEN``, else ``HF_TOKEN``) goes
to the registry host only. The revision is resolved to a commit sha first and every file
is fetched at that sha, so the report describes one commit.

Only files that need analysis are fetched: everything except documentation and media
(README, images, audio...) that no loader reads; those are listed as skipped, unless a
fetched config names them (``core.config_refs``: a shard index can point anywhere). Each file
is streamed to a temporary file with the listed size as a cap, checked against the
listing (LFS sha256 or git blob id), scanned, and deleted; the JSON and YAML configs are
fetched first and kept until the end, so a ``*.py`` is scanned next to the ``config.json``
whose ``auto_map`` imports it.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from weightscan.scanner.model import FileReport, SkippedPath
from weightscan.scanner.output.common import PathError

if TYPE_CHECKING:
    from weightscan.core.registry import RegistryClient, RepoFile

SCHEME = "hf://"
_TARGET = re.compile(r"^hf://(?P<repo>[^@\s]+?)(?:@(?P<rev>[^\s]+))?/?$")
# What no model loader reads: not fetched, listed as skipped (and not a gap in the scan).
NOT_LOADED_SUFFIXES = (
    ".md",
    ".rst",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".webp",
    ".ico",
    ".wav",
    ".mp3",
    ".mp4",
    ".flac",
    ".ogg",
    ".gitattributes",
    ".gitignore",
    ".pdf",
    ".html",
    ".css",
)
_CHUNK = 1 << 20

Progress = Callable[[str, int, int], None]
ScanOne = Callable[[Path, int, str], "FileReport | None"]


@dataclass
class HubScan:
    """What one ``hf://`` target produced."""

    commit: str = ""
    files: list[FileReport] = field(default_factory=list)
    skipped: list[SkippedPath] = field(default_factory=list)
    errors: list[PathError] = field(default_factory=list)


def is_hub_target(arg: str) -> bool:
    return arg.startswith(SCHEME)


def parse_target(arg: str) -> tuple[str, str]:
    """``hf://org/name@rev`` -> ("org/name", "rev"); the revision defaults to ``main``."""
    match = _TARGET.match(arg)
    if match is None:
        raise ValueError(f"expected hf://ORG/NAME[@REVISION], got {arg!r}")
    return match["repo"], match["rev"] or "main"


def plan(listing: list[RepoFile]) -> tuple[list[RepoFile], list[RepoFile]]:
    """(files to fetch, JSON configs first; files not fetched because no loader reads them)."""
    from weightscan.core import config_refs  # only for hf:// targets: core stays unimported

    wanted: list[RepoFile] = []
    unread: list[RepoFile] = []
    for f in listing:
        name = PurePosixPath(f.path).name.lower()
        (unread if name.endswith(NOT_LOADED_SUFFIXES) else wanted).append(f)
    wanted.sort(key=lambda f: (not config_refs.is_config(f.path), f.path))
    return wanted, unread


def scan_hub(
    arg: str,
    *,
    scan: ScanOne,
    start_file: Callable[[str, int], None],
    progress: Progress,
    finish_file: Callable[[], None],
    on_plan: Callable[[int, int], None],
) -> HubScan:
    """Resolve, list, fetch and scan one ``hf://`` target (see the module docstring).

    ``scan(local_path, size, display_name)`` scans one fetched file (None if it could not).
    """
    from weightscan.core import config_refs
    from weightscan.core.fetch import FetchFailed, FetchRefused, policy_from_settings
    from weightscan.core.registry import RegistryError, client_for
    from weightscan.core.settings import Settings, SettingsError

    out = HubScan()
    try:
        repo, revision = parse_target(arg)
        settings = Settings.from_env()
        token = settings.hf_token or os.environ.get("HF_TOKEN", "")
        client = client_for(settings, policy_from_settings(settings, token=token))
        out.commit = client.resolve_revision(repo, "model", revision)
        listing = client.list_files(repo, "model", out.commit)
    except (ValueError, SettingsError, RegistryError, FetchFailed, FetchRefused) as exc:
        out.errors.append(PathError(arg, str(exc)))
        return out
    announce(arg, out.commit)
    base = f"hf://{repo}@{out.commit}/"
    wanted, unread = plan(listing)
    on_plan(len(wanted), sum(f.size for f in wanted))
    with tempfile.TemporaryDirectory(prefix="weightscan-hub-") as tmp:
        root = Path(tmp)
        fetched_configs: list[Path] = []

        def scan_one(f: RepoFile) -> None:
            start_file(base + f.path, f.size)
            try:
                local = _fetch(client, repo, out.commit, f, root, progress)
            except (FetchFailed, FetchRefused, _Mismatch, OSError) as exc:
                out.errors.append(PathError(base + f.path, f"not fetched: {exc}"))
                finish_file()
                return
            try:
                report = scan(local, f.size, base + f.path)
                if report is not None:
                    out.files.append(report)
            finally:
                if config_refs.is_config(f.path):
                    fetched_configs.append(local)  # kept: the code's auto_map, named files
                else:
                    local.unlink(missing_ok=True)
            finish_file()

        configs = [f for f in wanted if config_refs.is_config(f.path)]
        for f in configs:
            scan_one(f)
        named = _named_by_configs(fetched_configs, unread)
        if named:
            on_plan(len(named), sum(f.size for f in named))
        named_paths = {f.path for f in named}
        unread = [f for f in unread if f.path not in named_paths]
        out.skipped += [
            SkippedPath(
                base + f.path, "not fetched: no model loader reads this kind of file", covered=True
            )
            for f in unread
        ]
        for f in [f for f in wanted if not config_refs.is_config(f.path)] + named:
            scan_one(f)
    return out


def _named_by_configs(configs: list[Path], unread: list[RepoFile]) -> list[RepoFile]:
    """The skipped files a fetched config names: a loader reads them whatever their suffix."""
    from weightscan.core import config_refs

    matcher = config_refs.NameMatcher(f.path for f in unread)
    named: set[str] = set()
    for local in configs:
        named |= matcher.named(config_refs.named_in(local))
    return [f for f in unread if f.path in named]


class _Mismatch(Exception):
    pass


def _fetch(
    client: RegistryClient, repo: str, sha: str, f: RepoFile, root: Path, progress: Progress
) -> Path:
    """Stream one file to ``root/<its path>`` through the guard; checked against the listing."""
    from weightscan.core.fetch import open_url

    rel = PurePosixPath(f.path)
    if rel.is_absolute() or ".." in rel.parts:
        raise _Mismatch(f"unsafe path in the listing: {f.path!r}")
    local = root.joinpath(*rel.parts)
    local.parent.mkdir(parents=True, exist_ok=True)
    url = client.file_url(repo, "model", sha, f.path)
    policy = client.policy
    if f.size > policy.max_bytes:
        raise _Mismatch(f"listed size {f.size} exceeds the limit of {policy.max_bytes} bytes")
    sha256 = hashlib.sha256()
    blob = hashlib.sha1(b"blob %d\x00" % f.size)  # noqa: S324 -- git's blob id, not security
    done = 0
    with open_url(url, policy) as response, open(local, "wb") as out:
        for chunk in response.iter_body(f.size):
            out.write(chunk)
            sha256.update(chunk)
            blob.update(chunk)
            done += len(chunk)
            progress("download", done, f.size)
    if done != f.size:
        raise _Mismatch(f"got {done} bytes, the listing says {f.size}")
    if f.sha256 is not None and sha256.hexdigest() != f.sha256:
        raise _Mismatch(f"sha256 {sha256.hexdigest()} does not match the listing's {f.sha256}")
    if f.sha256 is None and f.git_oid is not None and blob.hexdigest() != f.git_oid:
        raise _Mismatch(f"git blob id {blob.hexdigest()} does not match the listing's {f.git_oid}")
    return local


def announce(arg: str, commit: str) -> None:
    if commit:
        print(f"weightscan: {arg} is commit {commit}", file=sys.stderr)
