"""A real HTTP server around an app (werkzeug, threaded) and a raw client for it, so the
security tests send exactly the bytes and headers an attacker would (``Host``,
``Origin``, ``X-Forwarded-For``...), over a socket."""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class LiveServer:
    def __init__(self, port: int) -> None:
        self.host = "127.0.0.1"
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
    ) -> Reply:
        """One request on a fresh connection; ``Host`` defaults to 127.0.0.1:port."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in sent.items():
                conn.putheader(name, value)
            if body is not None and not any(k.lower() == "content-length" for k in sent):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            raw = conn.getresponse()
            return Reply(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read())
        finally:
            conn.close()

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def put_file(
        self, name: str, data: bytes, *, query: str = "", headers: Mapping[str, str] | None = None
    ) -> Reply:
        return self.request(
            "PUT",
            f"/api/v1/uploads/{name}{query}",
            body=data,
            headers={"Content-Type": "application/octet-stream", **(headers or {})},
        )

    def post_json(self, path: str, doc: Any, headers: Mapping[str, str] | None = None) -> Reply:
        return self.request(
            "POST",
            path,
            body=json.dumps(doc).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )


@contextlib.contextmanager
def serve(app: Any) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(srv.server_port)
    finally:
        srv.shutdown()
        thread.join(5)


def multipart(
    fields: Mapping[str, str], files: Mapping[str, tuple[str, bytes]]
) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type."""
    boundary = "----weightscan-test-boundary"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, data) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
