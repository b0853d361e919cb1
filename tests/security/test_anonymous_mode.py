"""Issue 14 #3: anonymous mode is for the local user only, over real HTTP.

Proxied requests (``X-Forwarded-For``, ``Forwarded``) are not anonymous, a non-loopback
``Host`` (DNS rebinding) is not anonymous, and an anonymous write from another site
(``Origin``) is refused. Tokens keep working in every case."""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.conftest import new_token
from tests.security.live import multipart, serve
from tests.security.samples import clean_pickle


@pytest.fixture
def anonymous_app(make_app: Any) -> Any:
    return make_app(allow_anonymous=True)


def test_direct_local_reads_are_anonymous(anonymous_app: Any) -> None:
    with serve(anonymous_app) as live:
        assert live.get("/api/v1/scans").status == 200
        for host in ("localhost", f"localhost:{live.port}", f"[::1]:{live.port}"):
            assert live.get("/api/v1/scans", headers={"Host": host}).status == 200, host


@pytest.mark.parametrize(
    "header",
    [
        {"X-Forwarded-For": "203.0.113.9"},
        {"Forwarded": "for=203.0.113.9;proto=https"},
        {"X-Real-IP": "203.0.113.9"},
        # what proxies add without being asked to forward the client: Squid and Varnish
        # (Via), Envoy/Istio sidecars (x-forwarded-proto), nginx snippets that pass only
        # the scheme or port, ingress controllers (X-Original-Forwarded-For)
        {"Via": "1.1 varnish"},
        {"x-forwarded-proto": "https"},
        {"X-Forwarded-Port": "443"},
        {"X-Original-Forwarded-For": "203.0.113.9"},
        {"X-Envoy-External-Address": "203.0.113.9"},
    ],
)
def test_proxied_requests_are_not_anonymous(anonymous_app: Any, header: dict[str, str]) -> None:
    with serve(anonymous_app) as live:
        reply = live.get("/api/v1/scans", headers=header)
        assert reply.status == 401
        assert "proxy" in reply.json()["detail"]
        write = live.put_file("m.pkl", clean_pickle(), headers=header)
        assert write.status == 401


def test_dns_rebinding_host_is_not_anonymous(anonymous_app: Any) -> None:
    with serve(anonymous_app) as live:
        reply = live.get("/api/v1/scans", headers={"Host": "rebind.attacker.example"})
        assert reply.status == 401
        assert b"data" not in reply.body
        page = live.get("/scans", headers={"Host": "rebind.attacker.example"})
        assert page.status in (303, 401)


def test_operator_listed_host_is_anonymous(make_app: Any) -> None:
    app = make_app(allow_anonymous=True, anonymous_hosts=("scanner.lan",))
    with serve(app) as live:
        assert live.get("/api/v1/scans", headers={"Host": "scanner.lan:8000"}).status == 200


def test_cross_site_anonymous_writes_are_refused(anonymous_app: Any) -> None:
    body, ctype = multipart({}, {"file": ("m.pkl", clean_pickle())})
    with serve(anonymous_app) as live:

        def post(**headers: str) -> int:
            sent = {"Content-Type": ctype, **{k.replace("_", "-"): v for k, v in headers.items()}}
            return live.request("POST", "/api/v1/scans", body=body, headers=sent).status

        assert post(Origin="http://evil.example") == 403
        assert post(Origin="null") == 403
        assert post(Sec_Fetch_Site="cross-site") == 403
        # browsers that send no Origin on a form POST (Firefox before 70) still send a
        # Referer unless the page asked them not to
        assert post(Referer="http://evil.example/page") == 403
        assert post(Referer=f"{live.url}/upload") == 202
        assert post(Origin=live.url) == 202
        assert post() in (200, 202)  # curl sends no Origin


def test_tokens_work_through_a_proxy(anonymous_app: Any) -> None:
    _, token = new_token(anonymous_app, "ci")
    with serve(anonymous_app) as live:
        reply = live.get(
            "/api/v1/scans",
            headers={
                "X-Forwarded-For": "203.0.113.9",
                "Host": "scanner.example",
                "Authorization": f"Bearer {token}",
            },
        )
        assert reply.status == 200
