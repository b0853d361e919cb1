"""``weightscan submit --server URL PATH...``: scan files and folders on a weightscan server.

Paths are expanded like ``weightscan scan`` does (folders walked, symlinks followed, each
file once). Each file is streamed with ``PUT /api/v1/uploads/<name>`` (never read into
memory), then the client long-polls for the verdict (``--wait`` seconds in all), prints
one report (text: a block per file and one summary line; JSON: one document with
``verdict``, ``counts``, ``files``, ``errors`` and the server's ``scans``) and exits like
``weightscan scan``: 0 nothing at or above ``--fail-on``, 1 a file at or above it, 2 an
error (unreachable server, refused upload, a scan that errored or did not finish in time,
nothing submitted). The token comes from ``--token`` or ``WEIGHTSCAN_TOKEN``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from weightscan.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, write_stdout
from weightscan.scanner.output.common import PathError

_RANK = {"clean": 0, "suspicious": 1, "error": 2, "malicious": 3}
_FAIL_ON = {"suspicious": 1, "malicious": 3}
MAX_SERVER_WAIT = 60  # ?wait accepts up to 60 s (the server may cap it lower); poll again


class ClientError(Exception):
    """The server could not be reached or refused a request (a one-line message)."""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "submit",
        help="scan files on a weightscan server",
        description="Upload files to a weightscan server, wait for the verdicts and print "
        "them. Exit 0 clean, 1 findings at or above --fail-on, 2 error.",
    )
    p.add_argument(
        "files",
        nargs="+",
        metavar="PATH",
        help="model file, or folder whose files are all uploaded",
    )
    p.add_argument(
        "--server",
        required=True,
        metavar="URL",
        help="the server's base URL, e.g. http://127.0.0.1:8000",
    )
    p.add_argument(
        "--token",
        default=None,
        help="API token (default: $WEIGHTSCAN_TOKEN; not needed in anonymous mode)",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for all verdicts (default: 60)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument(
        "--fail-on",
        choices=tuple(_FAIL_ON),
        default="suspicious",
        help="lowest verdict that makes the exit code 1 (default: suspicious)",
    )
    p.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="MODULE.NAME",
        help="also allow this pickle import (repeatable, or comma-separated)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="scan again even if the server already knows this content",
    )
    p.set_defaults(handler=run_submit_command)


def run_submit_command(args: argparse.Namespace) -> int:
    import requests

    from weightscan.cli.scan import collect_files

    token = args.token or os.environ.get("WEIGHTSCAN_TOKEN") or None
    client = Client(args.server, token, requests.Session())
    deadline = time.monotonic() + max(0.0, args.wait)
    reports: list[dict[str, Any]] = []
    problems: list[PathError] = []
    for path, _size in list(collect_files(args.files, problems)):
        try:
            scan = client.upload(
                path, force=args.force, allow=args.allow, wait=_remaining(deadline)
            )
            reports.append(client.finish(scan, deadline))
        except (ClientError, OSError) as exc:
            problems.append(PathError(str(path), str(exc)))
    for problem in problems:
        print(f"weightscan submit: {problem.path}: {problem.message}", file=sys.stderr)
    code = exit_code(reports, problems, _FAIL_ON[args.fail_on])
    write_stdout(render(reports, problems, args.format))
    return code


def exit_code(reports: list[dict[str, Any]], problems: Sequence[object], fail_on: int) -> int:
    """2 if anything could not be scanned or finished (or nothing was submitted), else 1
    at ``fail_on``, else 0."""
    verdicts = [f.get("verdict") for r in reports for f in r.get("files", ())]
    unfinished = [r for r in reports if r.get("status") not in ("done", "failed")]
    if (
        problems
        or unfinished
        or not verdicts
        or any(v not in _RANK or v == "error" for v in verdicts)
    ):
        return EXIT_ERROR
    if any(_RANK[str(v)] >= fail_on for v in verdicts):
        return EXIT_FINDINGS
    return EXIT_OK


def _remaining(deadline: float) -> int:
    return int(max(0, min(MAX_SERVER_WAIT, deadline - time.monotonic())))


class Client:
    """A tiny API client: upload, long-poll, fetch the report."""

    def __init__(self, server: str, token: str | None, session: Any) -> None:
        self.base = server.rstrip("/")
        self.session = session
        self.headers = {"Accept": "application/json"}
        self.pause = 0.0  # seconds the last answer asked us to wait before polling again
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def upload(
        self, path: Path, *, force: bool, wait: int, allow: list[str] | tuple[str, ...] = ()
    ) -> dict[str, Any]:
        params: dict[str, str] = {"wait": str(wait)}
        if force:
            params["force"] = "true"
        if allow:
            params["allow"] = ",".join(allow)
        with path.open("rb") as body:  # requests streams a file object; never read whole
            return self._call(
                "PUT",
                f"/api/v1/uploads/{quote(path.name, safe='')}",
                params=params,
                data=body,
                headers={"Content-Type": "application/octet-stream"},
                timeout=(10, wait + 600),
            )

    def finish(self, scan: dict[str, Any], deadline: float) -> dict[str, Any]:
        """Long-poll until the scan finishes or the deadline passes; then the full report."""
        while scan.get("status") not in ("done", "failed"):
            wait = _remaining(deadline)
            if wait <= 0:
                return scan  # unfinished: the caller exits 2 and the JSON says so
            if self.pause:  # the server had no wait slot free: poll when it said to
                time.sleep(min(self.pause, max(0.0, deadline - time.monotonic())))
            scan = self._call(
                "GET",
                f"/api/v1/scans/{scan['id']}",
                params={"wait": str(wait)},
                timeout=(10, wait + 30),
            )
        return self._call("GET", f"/api/v1/scans/{scan['id']}/report", timeout=(10, 60))

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        import requests

        headers = {**self.headers, **kwargs.pop("headers", {})}
        try:
            r = self.session.request(method, self.base + path, headers=headers, **kwargs)
        except requests.RequestException as exc:
            raise ClientError(f"cannot reach {self.base}: {type(exc).__name__}") from exc
        if r.status_code >= 400:
            raise ClientError(_problem_text(r))
        self.pause = _busy_pause(r.headers)
        try:
            body: dict[str, Any] = r.json()
        except ValueError as exc:
            raise ClientError(f"{method} {path}: the server sent no JSON") from exc
        return body


def _busy_pause(headers: Any) -> float:
    """``Retry-After`` (at most 10 s) when the server answered without waiting because
    its long-poll slots were taken; 0 otherwise (a capped wait already waited)."""
    if headers.get("X-Weightscan-Wait") != "busy":
        return 0.0
    try:
        return min(10.0, max(0.0, float(headers.get("Retry-After", "1"))))
    except ValueError:
        return 1.0


def _problem_text(response: Any) -> str:
    try:
        body = response.json()
        return f"{response.status_code} {body.get('code', '')}: {body.get('detail', '')}"
    except ValueError:
        return f"HTTP {response.status_code}"


def combined_document(
    reports: list[dict[str, Any]], problems: Sequence[PathError]
) -> dict[str, Any]:
    """Every submitted file in one ``weightscan scan``-shaped JSON document, plus the
    server's scan objects under ``scans``. A scan that did not finish is an error."""
    from weightscan.scanner.output.json import json_document

    files: list[dict[str, Any]] = []
    errors = list(problems)
    for report in reports:
        if report.get("status") in ("done", "failed"):
            files.extend(dict(f) for f in report.get("files", ()))
        else:
            errors.append(
                PathError(
                    str(report.get("id")),
                    f"still {report.get('status')} when the wait ended "
                    f"(see {report.get('links', {}).get('html', '')})",
                )
            )
    engine: dict[str, Any] = next((r["engine"] for r in reports if r.get("engine")), {})
    doc = json_document(
        {
            "files": files,
            "engine": {k: engine.get(k) for k in ("version", "rules_version")},
            "policy": engine.get("policy", {}),
        },
        errors=errors,
    )
    doc["scans"] = reports
    return doc


def render(reports: list[dict[str, Any]], problems: Sequence[PathError], fmt: str) -> str:
    """One report for every file submitted: JSON, or text blocks and one summary line."""
    doc = combined_document(reports, problems)
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    from weightscan.scanner.output.text import text_report

    errors = [PathError(e["path"], e["message"]) for e in doc["errors"]]
    return text_report(doc, errors=errors)
