"""A real HTTP imitation of a Hugging Face–style registry, its CDN, and a callback receiver.

Threaded ``http.server`` instances on loopback addresses (the whole 127.0.0.0/8 answers on
Linux): the hub on 127.0.0.1, the "CDN" that LFS downloads redirect to on 127.0.0.2, and
an "outsider" on 127.0.0.3 that is never on the allowlist (its request log must stay
empty). Every request is logged so tests can count downloads and inspect headers.

Hub routes (model repos):
  GET /api/models/<owner>/<name>/revision/<rev>          -> {"id", "sha"}
  GET /api/models/<owner>/<name>/tree/<rev>?recursive=true[&cursor=N]
                                       -> a page of entries, ``Link: <...>; rel="next"``
  GET /<owner>/<name>/resolve/<rev>/<path>
                                       -> small files directly, LFS files 302 to the CDN
CDN route:  GET /lfs/<sha256>
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Logged:
    server: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class FakeRepo:
    name: str
    files: dict[str, bytes]
    lfs: set[str] = field(default_factory=set)  # paths served through the CDN
    branches: dict[str, str] = field(default_factory=dict)  # ref -> commit sha
    gated: int | None = None  # 401 or 403 without the right token
    # path -> behaviour: "slow", "short" (Content-Length > body), "cl_small" (Content-Length
    # < body), "listing_small" / "listing_large" (listing lies about size), "forbidden:<url>"
    # (redirect to that URL), "wrong_sha" (listing sha256 does not match the bytes)
    tricks: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.branches:
            self.branches = {"main": hashlib.sha1(self.name.encode()).hexdigest()}

    def resolve(self, rev: str) -> str | None:
        if rev in self.branches:
            return self.branches[rev]
        if rev in self.branches.values():
            return rev
        return None


def git_blob_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


class _Server:
    def __init__(
        self, name: str, host: str, handler: Callable[[_Handler], None], log: list[Logged]
    ) -> None:
        self.name = name
        outer = self

        class Handler(_Handler):
            pass

        Handler.route = staticmethod(handler)  # type: ignore[assignment]
        Handler.outer = outer  # type: ignore[attr-defined]
        self.log = log
        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def requests(self) -> list[Logged]:
        return [entry for entry in self.log if entry.server == self.name]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    route: Callable[[_Handler], None]
    outer: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        self.outer.log.append(
            Logged(
                self.outer.name,
                self.command,
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                self.body,
            )
        )
        type(self).route(self)

    do_GET = do_POST = do_HEAD = _handle

    def send(
        self,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        content_length: int | None = None,
    ) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header(
            "Content-Length", str(len(body) if content_length is None else content_length)
        )
        self.end_headers()
        if self.command != "HEAD":
            with contextlib.suppress(OSError):
                self.wfile.write(body)
        if content_length is not None and content_length != len(body):
            self.close_connection = True

    def send_json(self, status: int, doc: Any, headers: dict[str, str] | None = None) -> None:
        self.send(
            status,
            json.dumps(doc).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )


class FakeRegistry:
    """Hub + CDN + outsider servers; add repositories with ``add_repo``."""

    def __init__(
        self, *, page_size: int = 7, token: str = "hf_test_token", slow_seconds: float = 3.0
    ) -> None:
        self.repos: dict[str, FakeRepo] = {}
        self.page_size = page_size
        self.token = token
        self.slow_seconds = slow_seconds
        self.log: list[Logged] = []
        self._lock = threading.Lock()
        self.hub = _Server("hub", "127.0.0.1", self._hub, self.log)
        self.cdn = _Server("cdn", "127.0.0.2", self._cdn, self.log)
        self.outsider = _Server("outsider", "127.0.0.3", self._outsider, self.log)
        self.blobs: dict[str, tuple[bytes, str]] = {}  # sha256 -> (bytes, trick)

    # -- setup ---------------------------------------------------------------------------
    def add_repo(self, repo: FakeRepo) -> FakeRepo:
        self.repos[repo.name] = repo
        for path in repo.lfs:
            data = repo.files[path]
            self.blobs[hashlib.sha256(data).hexdigest()] = (data, repo.tricks.get(path, ""))
        return repo

    @property
    def endpoint(self) -> str:
        return self.hub.base

    def downloads(self) -> list[Logged]:
        """File-content requests served (CDN fetches and direct resolve hits)."""
        return [
            e
            for e in self.log
            if (e.server == "cdn" and e.path.startswith("/lfs/"))
            or (e.server == "hub" and "/resolve/" in e.path and not self._is_lfs_resolve(e.path))
        ]

    def _is_lfs_resolve(self, path: str) -> bool:
        parsed = self._parse_resolve(urlsplit(path).path)
        if parsed is None:
            return False
        repo, _rev, file_path = parsed
        return file_path in repo.lfs

    def close(self) -> None:
        for server in (self.hub, self.cdn, self.outsider):
            server.close()

    # -- hub -----------------------------------------------------------------------------
    def _authorised(self, h: _Handler, repo: FakeRepo) -> bool:
        if repo.gated is None:
            return True
        return h.headers.get("Authorization") == f"Bearer {self.token}"

    def _hub(self, h: _Handler) -> None:
        url = urlsplit(h.path)
        path = unquote(url.path)
        if path.startswith("/api/models/"):
            rest = path[len("/api/models/") :]
            for marker in ("/revision/", "/tree/"):
                if marker in rest:
                    name, rev = rest.split(marker, 1)
                    repo = self.repos.get(name)
                    if repo is None:
                        h.send_json(404, {"error": "Repository not found"})
                        return
                    if not self._authorised(h, repo):
                        h.send_json(repo.gated or 401, {"error": "gated"})
                        return
                    sha = repo.resolve(rev)
                    if sha is None:
                        h.send_json(404, {"error": f"Invalid rev id: {rev}"})
                        return
                    if marker == "/revision/":
                        h.send_json(200, {"id": name, "sha": sha}, {"X-Repo-Commit": sha})
                    else:
                        self._tree(h, repo, sha, parse_qs(url.query))
                    return
            h.send_json(404, {"error": "not found"})
            return
        parsed = self._parse_resolve(url.path)
        if parsed is None:
            h.send_json(404, {"error": "not found"})
            return
        repo, rev, file_path = parsed
        if not self._authorised(h, repo):
            h.send_json(repo.gated or 401, {"error": "gated"})
            return
        sha = repo.resolve(rev)
        if sha is None or file_path not in repo.files:
            h.send_json(404, {"error": "Entry not found"})
            return
        data = repo.files[file_path]
        trick = repo.tricks.get(file_path, "")
        headers = {"X-Repo-Commit": sha}
        if trick.startswith("forbidden:"):
            h.send(302, b"", {"Location": trick.split(":", 1)[1], **headers})
            return
        if trick == "outsider":
            h.send(302, b"", {"Location": f"{self.outsider.base}/steal", **headers})
            return
        if file_path in repo.lfs:
            digest = hashlib.sha256(data).hexdigest()
            h.send(
                302,
                b"",
                {
                    "Location": f"{self.cdn.base}/lfs/{digest}",
                    "X-Linked-Etag": f'"{digest}"',
                    "X-Linked-Size": str(len(data)),
                    **headers,
                },
            )
            return
        self._serve_bytes(h, data, trick)

    def _parse_resolve(self, raw_path: str) -> tuple[FakeRepo, str, str] | None:
        path = unquote(raw_path)
        if "/resolve/" not in path:
            return None
        name, rest = path.lstrip("/").split("/resolve/", 1)
        repo = self.repos.get(name)
        if repo is None or "/" not in rest:
            return None
        rev, file_path = rest.split("/", 1)
        return repo, rev, file_path

    def _tree(self, h: _Handler, repo: FakeRepo, sha: str, query: dict[str, list[str]]) -> None:
        entries: list[dict[str, Any]] = []
        dirs = sorted({p.rsplit("/", 1)[0] for p in repo.files if "/" in p})
        entries += [{"type": "directory", "path": d, "oid": "0" * 40, "size": 0} for d in dirs]
        for path in sorted(repo.files):
            data = repo.files[path]
            trick = repo.tricks.get(path, "")
            size = len(data)
            if trick == "listing_small":
                size = max(0, size - 10)
            elif trick == "listing_large":
                size += 10
            entry: dict[str, Any] = {
                "type": "file",
                "path": path,
                "size": size,
                "oid": git_blob_oid(data),
            }
            if path in repo.lfs:
                digest = hashlib.sha256(data).hexdigest()
                if trick == "wrong_sha":
                    digest = hashlib.sha256(data + b"x").hexdigest()
                entry["lfs"] = {"oid": digest, "size": size, "pointerSize": 134}
                entry["size"] = 134
            entries.append(entry)
        cursor = int(query.get("cursor", ["0"])[0])
        page = entries[cursor : cursor + self.page_size]
        headers = {}
        if cursor + self.page_size < len(entries):
            nxt = (
                f"/api/models/{repo.name}/tree/{sha}?recursive=true"
                f"&cursor={cursor + self.page_size}"
            )
            headers["Link"] = f'<{self.hub.base}{nxt}>; rel="next"'
        h.send_json(200, page, headers)

    # -- CDN -----------------------------------------------------------------------------
    def _cdn(self, h: _Handler) -> None:
        path = urlsplit(h.path).path
        digest = path.removeprefix("/lfs/")
        if digest not in self.blobs:
            h.send(404, b"no such object")
            return
        data, trick = self.blobs[digest]
        self._serve_bytes(h, data, trick)

    def _serve_bytes(self, h: _Handler, data: bytes, trick: str) -> None:
        headers = {"Content-Type": "application/octet-stream"}
        if trick == "slow":
            h.send_response(200)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data[:1])
            h.wfile.flush()
            time.sleep(self.slow_seconds)
            with contextlib.suppress(OSError):
                h.wfile.write(data[1:])
            return
        if trick == "drip_headers":  # headers one byte every 50 ms, forever
            h.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for _ in range(10_000):
                try:
                    h.wfile.write(b"X")
                    h.wfile.flush()
                except OSError:
                    return
                time.sleep(0.05)
            return
        if trick == "drip":  # one byte every 50 ms: never idle long enough for a read timeout
            h.send_response(200)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            for i in range(len(data)):
                try:
                    h.wfile.write(data[i : i + 1])
                    h.wfile.flush()
                except OSError:
                    return
                time.sleep(0.05)
            return
        if trick == "short":  # announces more than it sends, then hangs up
            h.send(200, data, headers, content_length=len(data) + 100)
            return
        if trick == "cl_small":  # announces less than it sends
            h.send(200, data, headers, content_length=max(0, len(data) - 5))
            return
        h.send(200, data, headers)

    def _outsider(self, h: _Handler) -> None:
        h.send(200, b"secret metadata")


class CallbackReceiver:
    """Records signed POSTs; answers with the queued responses, then 200."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.log: list[Logged] = []
        self.responses: list[tuple[int, dict[str, str]]] = []
        self.received = threading.Event()
        self.server = _Server("callback", host, self._handle, self.log)

    @property
    def url(self) -> str:
        return f"{self.server.base}/hook"

    def _handle(self, h: _Handler) -> None:
        status, headers = self.responses.pop(0) if self.responses else (200, {})
        h.send(status, b"{}", {"Content-Type": "application/json", **headers})
        if 200 <= status < 300:
            self.received.set()

    def close(self) -> None:
        self.server.close()
