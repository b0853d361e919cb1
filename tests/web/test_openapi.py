"""The OpenAPI document matches the routes, and responses match its declared codes."""

from __future__ import annotations

import re

from weightscan.web.openapi import openapi_document

DOCUMENTED_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics")
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def route_table(app) -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(DOCUMENTED_PREFIXES):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        table.setdefault(path, set()).update(
            m.lower() for m in (rule.methods or ()) if m not in IGNORED_METHODS
        )
    return table


def test_every_route_is_documented_and_every_path_exists(app):
    doc = openapi_document(app)
    documented = {
        path: {m for m in ops if m in ("get", "post", "put", "delete", "patch")}
        for path, ops in doc["paths"].items()
    }
    assert route_table(app) == documented


def test_served_document_is_openapi_31_with_resolvable_refs(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    text = str(doc)
    for ref in set(re.findall(r"#/components/(\w+)/(\w+)", text)):
        assert ref[1] in doc["components"][ref[0]], ref
    for path, ops in doc["paths"].items():
        params = set(re.findall(r"{(\w+)}", path))
        for op in ops.values():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == params, path
            assert op["responses"], path


def test_error_responses_use_documented_codes(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    cases = [
        ("get", "/api/v1/scans/scn_nope", "/api/v1/scans/{scan_id}", 404),
        ("get", "/api/v1/files/zz", "/api/v1/files/{sha256}", 400),
        ("get", "/api/v1/scans?limit=0", "/api/v1/scans", 400),
        ("get", "/api/v1/scans/scn_nope/report", "/api/v1/scans/{scan_id}/report", 404),
    ]
    for method, url, path, status in cases:
        r = getattr(client, method)(url)
        assert r.status_code == status
        assert str(status) in doc["paths"][path][method]["responses"]
        assert r.mimetype == "application/problem+json"
