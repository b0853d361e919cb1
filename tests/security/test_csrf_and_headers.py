"""CSRF on every HTML form, and CSP plus the usual security headers on every response
(HTML pages, API JSON, problem+json errors, health)."""

from __future__ import annotations

import io

import pytest

from tests.security.conftest import bearer, csrf_of, login, new_token, put
from tests.security.samples import clean_pickle

REQUIRED_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'",
        "frame-ancestors 'none'",
        "script-src 'self'",
        "base-uri 'none'",
    ),
    "X-Content-Type-Options": ("nosniff",),
    "X-Frame-Options": ("DENY",),
    "Referrer-Policy": ("no-referrer",),
}


def assert_security_headers(response, what: str) -> None:
    for name, parts in REQUIRED_HEADERS.items():
        value = response.headers.get(name, "")
        for part in parts:
            assert part in value, f"{what}: {name}={value!r} lacks {part!r}"
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp


@pytest.mark.parametrize("form", ["/login", "/logout", "/upload", "/submit-source"])
def test_a_form_post_without_the_csrf_token_is_refused(app, form):
    client = app.test_client()
    _id, plaintext = new_token(app, "browser")
    login(client, plaintext)
    for sent in ({}, {"csrf_token": "forged-value"}):
        data = {
            "token": plaintext,
            "url": "https://huggingface.co/x/y/resolve/main/a.bin",
            "file": (io.BytesIO(clean_pickle()), "a.pkl"),
        }
        response = client.post(form, data={**data, **sent}, content_type="multipart/form-data")
        assert response.status_code in (400, 403), (form, sent, response.status_code)
    assert "a.pkl" not in client.get("/scans").get_data(as_text=True)


def test_the_csrf_token_of_another_session_is_refused(app):
    alice_client, bob_client = app.test_client(), app.test_client()
    _a, alice = new_token(app, "alice")
    _b, bob = new_token(app, "bob")
    login(alice_client, alice)
    login(bob_client, bob)
    bob_csrf = csrf_of(bob_client)
    response = alice_client.post(
        "/upload",
        data={"csrf_token": bob_csrf, "file": (io.BytesIO(clean_pickle("x")), "x.pkl")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403


def test_a_form_post_with_the_csrf_token_is_accepted(app):
    client = app.test_client()
    _id, plaintext = new_token(app, "browser")
    login(client, plaintext)
    response = client.post(
        "/upload",
        data={"csrf_token": csrf_of(client), "file": (io.BytesIO(clean_pickle("ok")), "ok.pkl")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/scans/")


def test_login_redirect_stays_on_this_site(app):
    client = app.test_client()
    _id, plaintext = new_token(app, "browser")
    for target in ("//evil.example/", "/\\evil.example", "https://evil.example/"):
        csrf = csrf_of(client, "/login")
        response = client.post(
            f"/login?next={target}", data={"token": plaintext, "csrf_token": csrf}
        )
        assert response.status_code == 303
        assert response.headers["Location"] in ("/", "http://localhost/"), target


def test_every_kind_of_response_carries_the_security_headers(app):
    client = app.test_client()
    _id, plaintext = new_token(app, "reader", ("submit", "read"))
    scan_id = put(client, clean_pickle("h"), token=plaintext).json["id"]
    anonymous = {
        "login page": client.get("/login"),
        "redirect to login": client.get("/"),
        "API 401": client.get("/api/v1/scans"),
        "API 404 route": client.get("/api/v1/nothing-here"),
        "healthz": client.get("/healthz"),
        "openapi": client.get("/api/v1/openapi.json"),
        "static": client.get("/static/style.css"),
    }
    authed = {
        "API list": client.get("/api/v1/scans", headers=bearer(plaintext)),
        "API scan": client.get(f"/api/v1/scans/{scan_id}", headers=bearer(plaintext)),
        "API 404": client.get("/api/v1/scans/scn_missing", headers=bearer(plaintext)),
        "API 413": put(client, b"x" * (2 * 1024 * 1024), token=plaintext),
        "API 405": client.patch("/api/v1/scans", headers=bearer(plaintext)),
    }
    login(client, plaintext)
    pages = {
        "index": client.get("/"),
        "scan list": client.get("/scans"),
        "scan page": client.get(f"/scans/{scan_id}"),
        "HTML 404": client.get("/scans/scn_missing", headers={"Accept": "text/html"}),
        "HTML 403 (csrf)": client.post("/logout"),
    }
    for what, response in {**anonymous, **authed, **pages}.items():
        assert_security_headers(response, what)
    for what in ("API list", "API scan", "API 404"):
        assert authed[what].headers.get("Cache-Control") == "no-store", what
    assert authed["API 404"].mimetype == "application/problem+json"
    assert pages["HTML 404"].mimetype == "text/html"


def test_session_cookie_is_httponly_and_samesite(app):
    client = app.test_client()
    _id, plaintext = new_token(app, "browser")
    response = login(client, plaintext)
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert plaintext not in cookie  # the cookie holds a token id, never the secret
