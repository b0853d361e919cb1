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
    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port
        self.url = f"http://{host}:{port}"

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
    ) -> Reply:
        """One request on a fresh connection; ``Host`` defaults to the bound host:port."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        sent = {"Host": f"{self.host}:{self.port}", **(headers or {})}
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
def serve(app: Any, host: str = "127.0.0.1") -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    srv = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(srv.server_port, host)
    finally:
        srv.shutdown()
        thread.join(5)


def non_loopback_address() -> str | None:
    """This machine's own address on a non-loopback interface, if it has one: a client
    connecting to it is not a loopback peer. (Connecting a UDP socket sends nothing.)"""
    import ipaddress
    import socket

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
            address = str(s.getsockname()[0])
    except OSError:
        return None
    return None if ipaddress.ip_address(address).is_loopback else address


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
