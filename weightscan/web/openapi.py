"""The OpenAPI 3.1 document served at ``/api/v1/openapi.json``.

Written by hand, next to the routes; ``tests/web/test_openapi.py`` walks ``app.url_map``
and fails when a route and this document disagree.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

PROBLEM = {"$ref": "#/components/responses/Problem"}


def _problems(*codes: int) -> dict[str, Any]:
    return {str(c): PROBLEM for c in codes}


def _json(ref: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def _param(
    name: str, where: str, schema: dict[str, Any], description: str, required: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
        "description": description,
    }


SCAN_ID = _param("scan_id", "path", {"type": "string"}, "Scan id (scn_...)")
WAIT = _param(
    "wait",
    "query",
    {"type": "integer", "minimum": 0, "maximum": 60},
    "Long-poll: wait up to this many seconds for the scan to finish. A hint: the server "
    "waits at most WEIGHTSCAN_MAX_WAIT_SECONDS (default 10), or not at all when its "
    "long-poll slots are taken; an unfinished answer carries Retry-After and "
    "X-Weightscan-Wait (capped or busy): poll again",
)
FORCE = _param(
    "force",
    "query",
    {"type": "boolean"},
    "Scan again even if this content was already scanned under the current rules",
)
ALLOW = _param(
    "allow",
    "query",
    {"type": "array", "items": {"type": "string"}},
    "module.name imports to allow for this request (repeatable or comma-separated)",
)
FAIL_ON = _param(
    "fail_on",
    "query",
    {"enum": ["suspicious", "malicious"]},
    "CI gate: 422 with the report when the verdict reaches this (or is error), "
    "409 while there is no verdict yet",
)
SUBMITTED = {
    "200": _json("Scan", "Finished (cached, or done within ?wait)"),
    "202": _json("Scan", "Accepted; poll the Location"),
    "409": _json("Scan", "With ?fail_on: no verdict yet"),
    "422": _json("Scan", "With ?fail_on: the verdict reached the threshold; the report"),
}


def _paths() -> dict[str, Any]:
    scan_responses = {"200": _json("Scan", "The scan"), **_problems(401, 404, 429)}
    return {
        "/api/v1/scans": {
            "post": {
                "summary": "Submit files (multipart) or a URL / repository (JSON source)",
                "description": "Several files in one request make one group scan.",
                "parameters": [FORCE, WAIT, ALLOW, FAIL_ON],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "file": {
                                        "type": "array",
                                        "items": {
                                            "type": "string",
                                            "contentMediaType": "application/octet-stream",
                                        },
                                    },
                                    "callback_url": {"type": "string"},
                                },
                            }
                        },
                        "application/json": {"schema": {"$ref": "#/components/schemas/Source"}},
                    },
                },
                "responses": {**SUBMITTED, **_problems(400, 401, 403, 413, 429, 501, 503)},
            },
            "get": {
                "summary": "List scans (newest first, cursor pagination)",
                "parameters": [
                    _param("sha256", "query", {"type": "string"}, "Content digest"),
                    _param(
                        "verdict",
                        "query",
                        {"enum": ["clean", "suspicious", "error", "malicious"]},
                        "Verdict",
                    ),
                    _param(
                        "status",
                        "query",
                        {"enum": ["queued", "running", "done", "failed"]},
                        "Status",
                    ),
                    _param(
                        "source",
                        "query",
                        {"enum": ["upload", "url", "huggingface", "webhook"]},
                        "Source type",
                    ),
                    _param("q", "query", {"type": "string"}, "Text in filename or sha256"),
                    _param("cursor", "query", {"type": "string"}, "From next_cursor"),
                    _param(
                        "limit",
                        "query",
                        {"type": "integer", "minimum": 1, "maximum": 100},
                        "Page size",
                    ),
                ],
                "responses": {
                    "200": _json("ScanList", "A page of scans"),
                    **_problems(400, 401, 429),
                },
            },
        },
        "/api/v1/scans/{scan_id}": {
            "get": {
                "summary": "A scan's status and summary",
                "parameters": [SCAN_ID, WAIT, FAIL_ON],
                "responses": {**scan_responses, "409": SUBMITTED["409"], "422": SUBMITTED["422"]},
            },
            "delete": {
                "summary": "Delete a scan and, when unreferenced, its bytes",
                "parameters": [SCAN_ID],
                "responses": {"204": {"description": "Deleted"}, **_problems(401, 403, 404, 429)},
            },
        },
        "/api/v1/scans/{scan_id}/report": {
            "get": {
                "summary": "Full report with findings",
                "parameters": [SCAN_ID],
                "responses": {
                    "200": _json("Scan", "The scan with findings"),
                    **_problems(401, 404, 409, 429),
                },
            },
        },
        "/api/v1/scans/{scan_id}/report.sarif": {
            "get": {
                "summary": "SARIF 2.1.0 log",
                "parameters": [SCAN_ID],
                "responses": {
                    "200": {
                        "description": "SARIF",
                        "content": {"application/sarif+json": {"schema": {"type": "object"}}},
                    },
                    **_problems(401, 404, 409, 429),
                },
            },
        },
        "/api/v1/scans/{scan_id}/report.junit.xml": {
            "get": {
                "summary": "JUnit XML: one test case per file, failed at ?fail_on",
                "parameters": [
                    SCAN_ID,
                    _param(
                        "fail_on",
                        "query",
                        {"enum": ["suspicious", "malicious"]},
                        "Lowest verdict reported as a failure",
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "JUnit XML",
                        "content": {"application/xml": {"schema": {"type": "string"}}},
                    },
                    **_problems(400, 401, 404, 409, 429),
                },
            },
        },
        "/api/v1/scans/{scan_id}/rescan": {
            "post": {
                "summary": "Scan the stored bytes again under the current rules",
                "parameters": [SCAN_ID, WAIT],
                "responses": {**SUBMITTED, **_problems(401, 403, 404, 410, 429, 503)},
            },
        },
        "/api/v1/uploads/{filename}": {
            "put": {
                "summary": "Upload one file as the raw body (curl -T)",
                "parameters": [
                    _param("filename", "path", {"type": "string"}, "Display name only"),
                    FORCE,
                    WAIT,
                    ALLOW,
                    FAIL_ON,
                    _param(
                        "X-Content-SHA256",
                        "header",
                        {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        "Expected digest; a mismatch is rejected",
                    ),
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/octet-stream": {
                            "schema": {
                                "type": "string",
                                "contentMediaType": "application/octet-stream",
                            }
                        }
                    },
                },
                "responses": {**SUBMITTED, **_problems(400, 401, 403, 413, 429, 503, 507)},
            },
        },
        "/api/v1/files/{sha256}": {
            "get": {
                "summary": "Look a file up by its sha256 (no upload)",
                "parameters": [_param("sha256", "path", {"type": "string"}, "64 hex digits")],
                "responses": {
                    "200": _json("File", "What we know about this content"),
                    **_problems(400, 401, 404, 429),
                },
            },
        },
        "/api/v1/tokens": {
            "post": {
                "summary": "Create a token (admin); the secret is in this answer only",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "scopes": {
                                        "type": "array",
                                        "items": {"enum": ["submit", "read", "admin"]},
                                    },
                                    "expires_in_days": {
                                        "type": "integer",
                                        "minimum": 1,
                                        "maximum": 3650,
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": _json("Token", "Created; `token` is shown once"),
                    **_problems(400, 401, 403, 429),
                },
            },
            "get": {
                "summary": "Tokens: all (admin) or the caller's own",
                "responses": {
                    "200": {
                        "description": "Token metadata",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "data": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Token"},
                                        }
                                    },
                                }
                            }
                        },
                    },
                    **_problems(401, 429),
                },
            },
        },
        "/api/v1/tokens/{token_id}": {
            "delete": {
                "summary": "Revoke a token (admin, or the token itself)",
                "parameters": [
                    _param("token_id", "path", {"type": "string"}, "Token id (tok_...)")
                ],
                "responses": {"204": {"description": "Revoked"}, **_problems(401, 403, 404, 429)},
            },
        },
        "/api/v1/version": {
            "get": {
                "summary": "Engine and rules versions",
                "responses": {
                    "200": {
                        "description": "Versions",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            },
        },
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            },
        },
        "/healthz": {
            "get": {
                "summary": "Liveness",
                "security": [],
                "responses": {"200": _health("Process is up")},
            }
        },
        "/readyz": {
            "get": {
                "summary": "Readiness: database, schema revision, broker, workers",
                "security": [],
                "responses": {"200": _health("pass or warn"), "503": _health("fail")},
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "security": [{"metricsToken": []}, {}],
                "responses": {
                    "200": {
                        "description": "Text exposition",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    **_problems(401),
                },
            }
        },
    }


def _health(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/health+json": {"schema": {"$ref": "#/components/schemas/Health"}}},
    }


def _components() -> dict[str, Any]:
    nullable_str = {"type": ["string", "null"]}
    return {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "ws_... token from `weightscan token create`",
            },
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            "metricsToken": {"type": "http", "scheme": "bearer"},
        },
        "responses": {
            "Problem": {
                "description": "RFC 9457 problem",
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
        },
        "schemas": {
            "Problem": {
                "type": "object",
                "required": ["title", "status", "code"],
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "code": {
                        "type": "string",
                        "description": "Stable: NotFoundError, "
                        "PayloadTooLargeError, RateLimitedError, ...",
                    },
                    "instance": nullable_str,
                },
            },
            "Scan": {
                "type": "object",
                "required": ["id", "status"],
                "additionalProperties": True,
                "properties": {
                    "id": {"type": "string"},
                    "kind": {"enum": ["file", "group"]},
                    "status": {"enum": ["queued", "running", "done", "failed"]},
                    "verdict": {
                        "type": ["string", "null"],
                        "enum": ["clean", "suspicious", "error", "malicious", None],
                    },
                    "cached": {"type": "boolean"},
                    "filename": nullable_str,
                    "sha256": nullable_str,
                    "progress": {"type": "object"},
                    "source": {"type": "object"},
                    "files": {"type": "array", "items": {"type": "object"}},
                    "findings": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Finding"},
                    },
                    "links": {"type": "object"},
                },
            },
            "Finding": {
                "type": "object",
                "properties": {
                    "rule_id": {"type": "string"},
                    "severity": {"enum": ["info", "low", "medium", "high", "critical"]},
                    "message": {"type": "string"},
                    "location": {"type": "object"},
                    "evidence": {"type": "object"},
                },
            },
            "ScanList": {
                "type": "object",
                "required": ["data", "next_cursor"],
                "properties": {
                    "data": {"type": "array", "items": {"$ref": "#/components/schemas/Scan"}},
                    "next_cursor": nullable_str,
                },
            },
            "File": {
                "type": "object",
                "required": ["sha256", "last_scan_id"],
                "properties": {
                    "sha256": {"type": "string"},
                    "size": {"type": "integer"},
                    "names": {"type": "array", "items": {"type": "string"}},
                    "last_scan_id": {"type": "string"},
                    "last_scan_date": {"type": "string"},
                    "last_verdict": nullable_str,
                    "last_scan": {"$ref": "#/components/schemas/Scan"},
                },
            },
            "Source": {
                "type": "object",
                "required": ["source"],
                "properties": {
                    "source": {
                        "type": "object",
                        "required": ["type"],
                        "properties": {
                            "type": {"enum": ["url", "huggingface"]},
                            "url": {"type": "string"},
                            "urls": {"type": "array", "items": {"type": "string"}},
                            "repo": {"type": "string"},
                            "revision": {"type": "string"},
                            "paths": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                    "callback_url": {"type": "string"},
                    "force": {"type": "boolean"},
                },
            },
            "Token": {
                "type": "object",
                "required": ["id", "prefix", "scopes"],
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "prefix": {"type": "string"},
                    "scopes": {"type": "array", "items": {"type": "string"}},
                    "token": {"type": "string", "description": "Only when created"},
                    "created_at": nullable_str,
                    "last_used_at": nullable_str,
                    "expires_at": nullable_str,
                    "revoked_at": nullable_str,
                },
            },
            "Health": {
                "type": "object",
                "required": ["status"],
                "properties": {
                    "status": {"enum": ["pass", "warn", "fail"]},
                    "checks": {"type": "object"},
                },
            },
        },
    }


def openapi_document(app: Flask | None = None) -> dict[str, Any]:
    from weightscan.scanner import ENGINE_VERSION
    from weightscan.web.api.webhooks import openapi_paths

    paths = _paths()
    paths.update(openapi_paths())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "weightscan",
            "version": ENGINE_VERSION,
            "description": "Scan model files without loading them. Errors are "
            "application/problem+json with a stable `code`.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"apiKey": []}, {}],
        "paths": paths,
        "components": _components(),
    }
