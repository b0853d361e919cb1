"""SSRF-guarded HTTP fetching: every outgoing request of the service goes through here.

For each hop (the first URL and every redirect target) the guard checks the scheme and
the host against allowlists, resolves the host itself and refuses if any address is
private, loopback, link-local, multicast, reserved or unspecified (unless explicitly
allowed), and then connects to the address it checked, never re-resolving (DNS
rebinding). Redirects are followed by hand with a cap; bodies are streamed with a size
cap and connect/read/total time limits; the registry token goes only to the registry host.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from weightscan.core.settings import Settings

Resolver = Callable[[str, int], Sequence[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 1 << 16
_USER_AGENT = "weightscan-fetch/1"


class FetchRefused(Exception):
    """The guard refused a URL before any connection was made."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FetchFailed(Exception):
    """The request was made but did not yield an acceptable body."""

    def __init__(
        self, reason: str, status: int | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(reason if status is None else f"{reason} (HTTP {status})")
        self.reason = reason
        self.status = status
        self.headers = dict(headers or {})


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the guard checks all of them)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchRefused(f"cannot resolve host {host!r}: {exc.strerror}") from None
    except UnicodeError:  # IDNA refuses the name: empty or over-long label, bad character
        raise FetchRefused(f"host {host[:100]!r} is not a valid host name") from None
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class FetchPolicy:
    """What the guard allows; built from ``Settings`` by ``policy_from_settings``."""

    allowed_schemes: tuple[str, ...] = ("https",)
    allowed_hosts: tuple[str, ...] = ()
    allow_private: tuple[Network, ...] = ()
    max_bytes: int = 1 << 30
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 600.0
    max_redirects: int = 5
    token: str = ""  # registry token: sent only to token_host
    token_host: str = ""
    ca_file: str = ""  # extra trust anchors (a private registry's CA); system CAs otherwise
    resolver: Resolver = field(default=system_resolver, compare=False)

    def replace(self, **changes: Any) -> FetchPolicy:
        import dataclasses

        return dataclasses.replace(self, **changes)


def policy_from_settings(
    settings: Settings, *, token: str | None = None, total_timeout: float | None = None
) -> FetchPolicy:
    """The fetch policy the settings describe; ``token`` overrides ``settings.hf_token``."""
    registry_host = (urlsplit(settings.hf_endpoint).hostname or "").lower()
    return FetchPolicy(
        allowed_schemes=tuple(s.lower() for s in settings.fetch_allowed_schemes),
        allowed_hosts=tuple(h.lower() for h in settings.fetch_allowed_hosts),
        allow_private=parse_networks(settings.fetch_allow_private),
        max_bytes=settings.fetch_max_bytes,
        connect_timeout=min(10.0, settings.fetch_timeout_seconds),
        read_timeout=settings.fetch_timeout_seconds,
        total_timeout=total_timeout
        if total_timeout is not None
        else max(600.0, settings.fetch_timeout_seconds * 20),
        max_redirects=settings.fetch_max_redirects,
        token=settings.hf_token if token is None else token,
        token_host=registry_host,
    )


def callback_policy(settings: Settings) -> FetchPolicy:
    """Outgoing callbacks: any host name (``settings.extra["callback_allowed_hosts"]`` narrows
    it), but the same scheme and address checks, no token, no redirects, short timeouts."""
    hosts = tuple(settings.extra.get("callback_allowed_hosts", ("*",)))
    return FetchPolicy(
        allowed_schemes=tuple(s.lower() for s in settings.fetch_allowed_schemes),
        allowed_hosts=tuple(h.lower() for h in hosts),
        allow_private=parse_networks(settings.fetch_allow_private),
        max_bytes=64 << 10,
        connect_timeout=min(10.0, settings.fetch_timeout_seconds),
        read_timeout=min(30.0, settings.fetch_timeout_seconds),
        total_timeout=min(30.0, settings.fetch_timeout_seconds * 2),
        max_redirects=0,
    )


def parse_networks(entries: Sequence[str]) -> tuple[Network, ...]:
    """ "127.0.0.1", "10.0.0.0/8", "::1" -> networks (a bare address is a /32 or /128)."""
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


# -- the guard --------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A URL that passed the guard, with the address to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    address: str
    path: str  # path + query, as sent on the request line


def host_allowed(host: str, patterns: Sequence[str]) -> bool:
    """Exact names, ``*.suffix`` (any name strictly below ``suffix``), or ``*`` (any name;
    the address checks still apply)."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        if pattern == "*":
            return True
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and host != pattern[2:]:
                return True
        elif host == pattern:
            return True
    return False


# IPv6 ranges that carry (or route to) an IPv4 address, or are deprecated site-local:
# a host there may reach a private network however its own bits look, so they are
# refused outright (an operator can still admit one through fetch_allow_private).
EMBEDDING_RANGES: tuple[tuple[str, ipaddress.IPv6Network], ...] = (
    ("6to4", ipaddress.IPv6Network("2002::/16")),
    ("Teredo", ipaddress.IPv6Network("2001::/32")),
    ("NAT64", ipaddress.IPv6Network("64:ff9b::/96")),
    ("local NAT64", ipaddress.IPv6Network("64:ff9b:1::/48")),
    ("IPv4-compatible", ipaddress.IPv6Network("::/96")),
    ("IPv4-translated", ipaddress.IPv6Network("::ffff:0:0:0/96")),
    ("site-local", ipaddress.IPv6Network("fec0::/10")),
)


def address_refusal(address: str, allow_private: Sequence[Network]) -> str | None:
    """Why this address may not be contacted, or None if it may."""
    try:
        ip: Address = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"unparseable address {address!r}"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    if any(ip in net for net in allow_private):
        return None
    for label, flag in (
        ("private", ip.is_private),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("unspecified", ip.is_unspecified),
    ):
        if flag:
            return f"address {ip} is {label}"
    if isinstance(ip, ipaddress.IPv6Address):
        for label, net in EMBEDDING_RANGES:
            if ip in net:
                return f"address {ip} is {label} (it can reach an embedded IPv4 address)"
    if not ip.is_global:
        return f"address {ip} is not globally routable"
    return None


def check_url(url: str, policy: FetchPolicy) -> Target:
    """Apply every check to one URL; raise ``FetchRefused`` or return where to connect."""
    if len(url) > 8192:
        raise FetchRefused("URL too long")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchRefused(f"malformed URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in policy.allowed_schemes:
        raise FetchRefused(f"scheme {scheme!r} is not allowed")
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("credentials in URLs are not allowed")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchRefused("URL has no host")
    if not host_allowed(host, policy.allowed_hosts):
        raise FetchRefused(f"host {host!r} is not on the allowlist")
    port = port or (443 if scheme == "https" else 80)
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    addresses = [str(literal)] if literal is not None else list(policy.resolver(host, port))
    if not addresses:
        raise FetchRefused(f"host {host!r} resolves to no address")
    for address in addresses:
        refusal = address_refusal(address, policy.allow_private)
        if refusal:
            raise FetchRefused(f"host {host!r}: {refusal}")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0], path=path)


# -- connections pinned to the checked address ------------------------------------------


def _pinned_connection(
    target: Target, timeout: float, ca_file: str = ""
) -> http.client.HTTPConnection:
    """A connection that sends ``Host``/SNI for the name but connects to the checked IP;
    TLS verifies the certificate against the name, not the address."""
    conn: http.client.HTTPConnection
    if target.scheme == "https":
        context = ssl.create_default_context(cafile=ca_file or None)
        conn = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=context
        )
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def create_connection(_address: Any, timeout: Any = None, source: Any = None) -> socket.socket:
        return socket.create_connection((target.address, target.port), timeout, source)

    conn._create_connection = create_connection  # type: ignore[attr-defined]
    return conn


@dataclass
class Response:
    """An open response at the end of the redirect chain; read with ``iter_body``."""

    url: str
    status: int
    headers: dict[str, str]
    hops: list[str]
    _conn: http.client.HTTPConnection
    _raw: http.client.HTTPResponse
    _deadline: float
    _policy: FetchPolicy
    _watchdog: _Watchdog | None = None

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("content-length")
        if value is None or not value.strip().isdigit():
            return None
        return int(value)

    def iter_body(self, limit: int | None = None) -> Iterator[bytes]:
        """The body in chunks; ``FetchFailed`` past ``limit`` bytes, a timeout or a short read."""
        cap = self._policy.max_bytes if limit is None else min(limit, self._policy.max_bytes)
        length = self.content_length
        if length is not None and length > cap:
            raise FetchFailed(
                f"Content-Length {length} exceeds the limit of {cap} bytes", self.status
            )
        total = 0
        try:
            while True:
                _set_timeout(self._conn, self._deadline, self._policy.read_timeout)
                # read1: at most one receive, so a server dripping a byte at a time
                # cannot hold one call past the total deadline
                chunk = self._raw.read1(_CHUNK)
                if not chunk:
                    if self._watchdog is not None and self._watchdog.expired:
                        raise FetchFailed("total time limit exceeded", self.status)
                    if length is not None and total != length:
                        # http.client's read(amt) does not flag a short body itself
                        raise FetchFailed(
                            f"body shorter than announced ({total} of {length} bytes)", self.status
                        )
                    return
                total += len(chunk)
                if total > cap:
                    raise FetchFailed(f"body exceeds the limit of {cap} bytes", self.status)
                yield chunk
        except TimeoutError:
            raise FetchFailed("timed out reading the body", self.status) from None
        except (OSError, http.client.HTTPException) as exc:
            if self._watchdog is not None and self._watchdog.expired:
                raise FetchFailed("total time limit exceeded", self.status) from None
            if isinstance(exc, http.client.IncompleteRead):
                raise FetchFailed(
                    f"body shorter than announced ({len(exc.partial)} bytes read)", self.status
                ) from None
            raise FetchFailed(f"connection error while reading: {exc}", self.status) from None

    def reader(self, limit: int | None = None) -> BodyReader:
        """A ``read(n)`` view of the body (for ``weightscan.core.uploads.stream_to_temp``)."""
        return BodyReader(self.iter_body(limit))

    def read_limited(self, limit: int) -> bytes:
        return b"".join(self.iter_body(limit))

    def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._raw.close()
        self._conn.close()


class _Watchdog:
    """Shuts the socket down when the total deadline passes, whatever call is blocked on it
    (a server dripping its headers one byte at a time never trips a read timeout)."""

    def __init__(self, conn: http.client.HTTPConnection, seconds: float) -> None:
        self.expired = False
        self._conn = conn
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.expired = True
        sock = self._conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


class BodyReader:
    """Adapts the chunk iterator to ``read(n)``; every guard of ``iter_body`` still applies."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = bytearray()

    def read(self, n: int = -1, /) -> bytes:
        while n < 0 or len(self._buffer) < n:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buffer += chunk
        cut = len(self._buffer) if n < 0 else min(n, len(self._buffer))
        out = bytes(self._buffer[:cut])
        del self._buffer[:cut]
        return out


def _set_timeout(conn: http.client.HTTPConnection, deadline: float, read_timeout: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchFailed("total time limit exceeded")
    if conn.sock is not None:
        conn.sock.settimeout(min(read_timeout, remaining))


@contextmanager
def open_url(
    url: str,
    policy: FetchPolicy,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    follow_redirects: bool = True,
) -> Iterator[Response]:
    """Open ``url`` through the guard; the final response must be 2xx.

    Redirects (if followed) are re-checked hop by hop; a 303, or a 301/302 answer to a
    POST, turns into a GET without a body, as browsers do.
    """
    deadline = time.monotonic() + policy.total_timeout
    hops: list[str] = []
    current = url
    while True:
        target = check_url(current, policy)
        hops.append(current)
        response = _request(target, policy, method, headers, body, deadline)
        if response.status in _REDIRECTS and follow_redirects:
            location = response.headers.get("location")
            response.close()
            if not location:
                raise FetchFailed("redirect without a Location header", response.status)
            if len(hops) > policy.max_redirects:
                raise FetchRefused(f"more than {policy.max_redirects} redirects")
            current = urljoin(current, location)
            if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                method, body = "GET", None
            continue
        response.hops = hops
        if not 200 <= response.status < 300:
            status, resp_headers = response.status, response.headers
            response.close()
            raise FetchFailed("unexpected status", status, resp_headers)
        try:
            yield response
        finally:
            response.close()
        return


def _request(
    target: Target,
    policy: FetchPolicy,
    method: str,
    headers: Mapping[str, str] | None,
    body: bytes | None,
    deadline: float,
) -> Response:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchFailed("total time limit exceeded")
    conn = _pinned_connection(target, min(policy.connect_timeout, remaining), policy.ca_file)
    send = {"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"}
    for name, value in (headers or {}).items():
        if name.lower() != "authorization":  # only the policy decides who gets a token
            send[name] = value
    if policy.token and target.host.lower() == policy.token_host:
        send["Authorization"] = f"Bearer {policy.token}"
    watchdog: _Watchdog | None = None
    try:
        conn.connect()
        watchdog = _Watchdog(conn, deadline - time.monotonic())
        _set_timeout(conn, deadline, policy.read_timeout)
        conn.request(method, target.path, body=body, headers=send)
        raw = conn.getresponse()
    except (OSError, http.client.HTTPException) as exc:
        if watchdog is not None:
            watchdog.cancel()
        conn.close()
        if watchdog is not None and watchdog.expired:
            raise FetchFailed("total time limit exceeded") from None
        if isinstance(exc, TimeoutError):
            raise FetchFailed(f"timed out talking to {target.host}") from None
        if isinstance(exc, ssl.SSLError):
            raise FetchFailed(f"TLS error with {target.host}: {exc.reason}") from None
        raise FetchFailed(f"cannot reach {target.host}: {exc}") from None
    except ValueError as exc:  # after OSError: ssl's verification error is both
        # a header value or path http.client refuses to send
        if watchdog is not None:
            watchdog.cancel()
        conn.close()
        raise FetchRefused(f"the request cannot be sent: {str(exc)[:100]}") from None
    resp_headers = {k.lower(): v for k, v in raw.getheaders()}
    return Response(
        url=target.url,
        status=raw.status,
        headers=resp_headers,
        hops=[],
        _conn=conn,
        _raw=raw,
        _deadline=deadline,
        _policy=policy,
        _watchdog=watchdog,
    )


# -- conveniences -----------------------------------------------------------------------


def get_json(
    url: str, policy: FetchPolicy, *, max_bytes: int = 16 << 20
) -> tuple[Any, dict[str, str]]:
    """GET a JSON document (bounded); returns (document, response headers)."""
    import json

    with open_url(url, policy, headers={"Accept": "application/json"}) as response:
        data = response.read_limited(max_bytes)
        headers = response.headers
    try:
        return json.loads(data), headers
    except ValueError:
        raise FetchFailed(f"invalid JSON from {urlsplit(url).hostname}") from None
