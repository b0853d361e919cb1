"""``/api/v1/version`` and ``/api/v1/openapi.json``."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from weightscan.web.api.blueprint import bp


@bp.get("/version")
def version() -> Response:
    from weightscan.scanner import ENGINE_VERSION, RULES_VERSION, catalogue

    return jsonify(
        {
            "service": "weightscan",
            "api": "v1",
            "engine": {
                "version": ENGINE_VERSION,
                "rules_version": RULES_VERSION,
                "rules": len(catalogue()),
            },
        }
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    from weightscan.web.openapi import openapi_document

    return jsonify(openapi_document(current_app))
