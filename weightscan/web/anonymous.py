"""When a request without a token may act as the anonymous user (issue 14 #3).

Anonymous mode is for one person on their own machine, and only ever an explicit opt-in
(``WEIGHTSCAN_ALLOW_ANONYMOUS=true``; ``weightscan serve`` turns it on for its embedded
default on a loopback address, ``weightscan.cli.service.anonymous_default``). Neither the
opt-in nor a loopback bind is enough on its own -- a reverse proxy on the same host that
adds no forwarding header makes every client look local -- so each request is checked:

* the TCP peer must be a loopback address: the opt-in never reaches another machine;
* a request that came through a proxy (``Forwarded``, ``X-Forwarded-For``...) is someone
  else's: a reverse proxy on the same host would otherwise make every client anonymous;
* the ``Host`` must be a loopback name (or one the operator listed in
  ``WEIGHTSCAN_ANONYMOUS_HOSTS``), so a DNS-rebinding page cannot read through the
  browser of the person running the server;
* a write (anything but GET/HEAD/OPTIONS) must not come from another site: a web page
  can send a cross-origin multipart POST without a preflight, so ``Origin`` (or
  ``Sec-Fetch-Site``, or ``Referer`` when a browser sends no ``Origin``) must name
  this server.

A refused request is treated as carrying no credentials at all: it gets the same 401 a
token-only server gives, with the reason.
"""

from __future__ import annotations

import ipaddress

from flask import request

from weightscan.core.settings import Settings

PROXY_HEADERS = (
    "Forwarded",
    "Via",  # Squid, Varnish, Apache with ProxyVia
    "X-Real-IP",
    "X-Client-IP",
    "True-Client-IP",
    "CF-Connecting-IP",
    "X-Cluster-Client-IP",
    "X-Envoy-External-Address",
)
# Any of these families too: Envoy/Istio add x-forwarded-proto on their own, nginx
# snippets often pass only the scheme or port, ingress controllers X-Original-Forwarded-For.
PROXY_HEADER_PREFIXES = ("x-forwarded-", "x-original-forwarded-")
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def host_name(host: str) -> str:
    """``Host`` header value without its port, lower case (``[::1]:80`` -> ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def is_loopback_name(name: str) -> bool:
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def peer_address() -> str:
    """The TCP peer, as the socket saw it (before ``ProxyFix`` rewrote it, if it did)."""
    original = request.environ.get("werkzeug.proxy_fix.orig") or {}
    return str(original.get("REMOTE_ADDR") or request.environ.get("REMOTE_ADDR") or "")


def is_loopback_peer(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False  # a unix socket or no address: not provably this machine's loopback
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1 on a dual-stack socket
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def proxy_header() -> str | None:
    """The first header that says a proxy relayed this request, if any."""
    for header in PROXY_HEADERS:
        if header in request.headers:
            return header
    for name in request.headers.keys():  # noqa: SIM118 -- Headers iterates (name, value)
        if name.lower().startswith(PROXY_HEADER_PREFIXES):
            return str(name)[:60]
    return None


def anonymous_refusal(settings: Settings) -> str | None:
    """Why this token-less request may not be anonymous, or None if it may."""
    if not is_loopback_peer(peer_address()):
        return "Anonymous use is for local clients only. Send an API token."
    header = proxy_header()
    if header is not None:
        return (
            f"Anonymous use is for local clients only; this request came through a "
            f"proxy ({header}). Send an API token."
        )
    name = host_name(request.host or "")
    extra = {h.strip().lower().rstrip(".") for h in settings.anonymous_hosts}
    if not (is_loopback_name(name) or name in extra):
        return (
            f"Anonymous use answers only to loopback host names, not {name[:100]!r}. "
            "Send an API token (or list the name in WEIGHTSCAN_ANONYMOUS_HOSTS)."
        )
    return None


def cross_site_write() -> str | None:
    """Why this anonymous write looks like it comes from another site, or None."""
    if request.method in _SAFE_METHODS:
        return None
    origin = request.headers.get("Origin")
    if origin is not None:
        own = f"{request.scheme}://{request.host}".lower()
        if origin.strip().lower() != own:
            return f"Cross-site write refused (Origin {origin[:100]!r})."
        return None
    fetch_site = request.headers.get("Sec-Fetch-Site", "").lower()
    if fetch_site in ("cross-site", "same-site"):
        return "Cross-site write refused (Sec-Fetch-Site)."
    referer = request.headers.get("Referer")
    if referer is not None:  # a browser sending no Origin on a form POST (Firefox < 70)
        own = f"{request.scheme}://{request.host}".lower()
        page = referer.strip().lower()
        if page != own and not page.startswith(own + "/"):
            return f"Cross-site write refused (Referer {referer[:100]!r})."
    return None
