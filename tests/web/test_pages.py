"""HTML pages: security headers, CSRF, escaping of hostile names and evidence, filters,
token login."""

from __future__ import annotations

import io
import re

from tests.web.conftest import clean_pickle, malicious_pickle, upload
from weightscan.web.security import CSP

HOSTILE = '<script>alert("pwn")</script>'


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_security_headers_on_pages_and_api(client):
    for url in ("/", "/scans", "/api/v1/version", "/api/v1/scans/nope", "/healthz"):
        r = client.get(url)
        assert r.headers["Content-Security-Policy"] == CSP
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(client, run_queued):
    scan = upload(client, malicious_pickle()).get_json()
    run_queued()
    for url in ("/", "/scans", f"/scans/{scan['id']}", "/login"):
        html = client.get(url).get_data(as_text=True)
        assert "<style" not in html
        assert " style=" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"\son[a-z]+=", html)


def test_upload_form_needs_csrf(client):
    data = {"file": (io.BytesIO(clean_pickle()), "a.pkl")}
    r = client.post("/upload", data=data, content_type="multipart/form-data")
    assert r.status_code == 403
    token = csrf_of(client.get("/").get_data(as_text=True))
    r = client.post(
        "/upload",
        data={"csrf_token": token, "file": (io.BytesIO(clean_pickle()), "a.pkl")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    assert r.headers["Location"].startswith("/scans/scn_")
    xhr = client.post(
        "/upload",
        data={"file": [(io.BytesIO(b"1"), "x.bin"), (io.BytesIO(b"2"), "y.bin")]},
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
        content_type="multipart/form-data",
    )
    assert xhr.status_code == 201
    assert xhr.get_json()["html"].startswith("/scans/scn_")


def test_hostile_filename_and_evidence_are_escaped(client, run_queued):
    token = csrf_of(client.get("/").get_data(as_text=True))
    r = client.post(
        "/upload",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(malicious_pickle(f"echo '{HOSTILE}'")), f"{HOSTILE}.pkl"),
        },
        content_type="multipart/form-data",
    )
    scan_url = r.headers["Location"]
    run_queued()
    html = client.get(scan_url).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html  # the evidence, escaped, is shown
    listing = client.get("/scans").get_data(as_text=True)
    assert "<script>alert" not in listing


def test_scan_page_shows_verdict_findings_and_metadata(client, run_queued):
    scan = upload(client, malicious_pickle(), "evil.pkl").get_json()
    page = client.get(f"/scans/{scan['id']}").get_data(as_text=True)
    assert 'data-status="queued"' in page
    assert "scan.js" in page
    run_queued()
    page = client.get(f"/scans/{scan['id']}").get_data(as_text=True)
    assert 'data-status="done"' in page
    assert "verdict-malicious" in page
    assert "evil.pkl" in page
    assert 'class="finding-detail"' in page
    assert scan["files"][0]["sha256"] in page


def test_group_page_links_each_file(client, run_queued):
    r = client.post(
        "/api/v1/scans",
        data={
            "file": [
                (io.BytesIO(clean_pickle()), "a.pkl"),
                (io.BytesIO(malicious_pickle()), "b.pkl"),
            ]
        },
        content_type="multipart/form-data",
    )
    group = r.get_json()
    run_queued()
    page = client.get(f"/scans/{group['id']}").get_data(as_text=True)
    for f in group["files"]:
        assert f"/scans/{f['scan_id']}" in page


def test_list_page_filters_and_searches(client, run_queued):
    upload(client, clean_pickle(), "alpha.pkl")
    upload(client, malicious_pickle(), "beta.pkl")
    run_queued()
    page = client.get("/scans").get_data(as_text=True)
    assert "alpha.pkl" in page
    assert "beta.pkl" in page
    bad = client.get("/scans?verdict=malicious").get_data(as_text=True)
    assert "beta.pkl" in bad
    assert "alpha.pkl" not in bad
    found = client.get("/scans?q=alph").get_data(as_text=True)
    assert "alpha.pkl" in found
    assert "beta.pkl" not in found
    assert client.get("/scans?verdict=nope").status_code == 400


def test_unknown_scan_page_is_an_html_404(client):
    r = client.get("/scans/scn_nothing", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert r.mimetype == "text/html"


def test_token_login_for_pages_and_no_cookie_auth_for_api_writes(make_app):
    from weightscan.core.tokens import create_token

    app = make_app(allow_anonymous=False)
    with app.extensions["weightscan.sessionmaker"]() as db:
        _, plaintext = create_token(db, "browser", ["submit", "read"])
        db.commit()
    c = app.test_client()
    r = c.get("/")
    assert r.status_code == 303
    assert "/login" in r.headers["Location"]
    token = csrf_of(c.get("/login").get_data(as_text=True))
    assert c.post("/login", data={"csrf_token": token, "token": "ws_bad"}).status_code == 401
    r = c.post("/login?next=/scans", data={"csrf_token": token, "token": plaintext})
    assert r.status_code == 303
    assert r.headers["Location"] == "/scans"
    assert c.get("/").status_code == 200
    assert c.get("/api/v1/scans").status_code == 200  # reads may use the page login
    assert upload(c, clean_pickle()).status_code == 401  # writes need the header token
    for evil in ("//evil.example/x", "/\\evil.example", "https://evil.example"):
        token = csrf_of(c.get("/login").get_data(as_text=True))
        r = c.post(
            "/login", query_string={"next": evil}, data={"csrf_token": token, "token": plaintext}
        )
        assert r.headers["Location"] == "/"


def test_request_ids_are_echoed_or_made(client):
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
        == "abc-123"
    )
    made = client.get("/healthz", headers={"X-Request-ID": "bad id <x>"}).headers["X-Request-ID"]
    assert made != "bad id <x>"
    assert len(made) == 24
