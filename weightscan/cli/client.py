"""``weightscan submit --server URL FILE...``: scan files on a weightscan server.

Each file is streamed with ``PUT /api/v1/uploads/<name>`` (never read into memory), then
the client long-polls for the verdict (``--wait`` seconds in all), prints the reports and
exits like ``weightscan scan``: 0 nothing at or above ``--fail-on``, 1 a file at or above
it, 2 an error (unreachable server, refused upload, a scan that errored or did not finish
in time). The token comes from ``--token`` or ``WEIGHTSCAN_TOKEN``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from weightscan.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK

_RANK = {"clean": 0, "suspicious": 1, "error": 2, "malicious": 3}
_FAIL_ON = {"suspicious": 1, "malicious": 3}
MAX_SERVER_WAIT = 60  # the server caps ?wait at 60 s; longer waits poll again


class ClientError(Exception):
    """The server could not be reached or refused a request (a one-line message)."""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "submit", help="scan files on a weightscan server",
        description="Upload files to a weightscan server, wait for the verdicts and print "
                    "them. Exit 0 clean, 1 findings at or above --fail-on, 2 error.")
    p.add_argument("files", nargs="+", metavar="FILE", help="model file to upload")
    p.add_argument("--server", required=True, metavar="URL",
                   help="the server's base URL, e.g. http://127.0.0.1:8000")
    p.add_argument("--token", default=None,
                   help="API token (default: $WEIGHTSCAN_TOKEN; not needed in anonymous mode)")
    p.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                   help="how long to wait for all verdicts (default: 60)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--fail-on", choices=tuple(_FAIL_ON), default="suspicious",
                   help="lowest verdict that makes the exit code 1 (default: suspicious)")
    p.add_argument("--allow", action="append", default=[], metavar="MODULE.NAME",
                   help="also allow this pickle import (repeatable, or comma-separated)")
    p.add_argument("--force", action="store_true",
                   help="scan again even if the server already knows this content")
    p.set_defaults(handler=run_submit_command)


def run_submit_command(args: argparse.Namespace) -> int:
    import requests

    token = args.token or os.environ.get("WEIGHTSCAN_TOKEN") or None
    client = Client(args.server, token, requests.Session())
    deadline = time.monotonic() + max(0.0, args.wait)
    reports: list[dict[str, Any]] = []
    problems: list[str] = []
    for name in args.files:
        try:
            scan = client.upload(Path(name), force=args.force, allow=args.allow,
                                 wait=_remaining(deadline))
            reports.append(client.finish(scan, deadline))
        except (ClientError, OSError) as exc:
            problems.append(f"{name}: {exc}")
    for line in problems:
        print(f"weightscan submit: {line}", file=sys.stderr)
    _print(reports, args.format)
    return exit_code(reports, problems, _FAIL_ON[args.fail_on])


def exit_code(reports: list[dict[str, Any]], problems: list[str], fail_on: int) -> int:
    """2 if anything could not be scanned or finished, else 1 at ``fail_on``, else 0."""
    verdicts = [f.get("verdict") for r in reports for f in r.get("files", ())]
    unfinished = [r for r in reports if r.get("status") not in ("done", "failed")]
    if problems or unfinished or any(v not in _RANK or v == "error" for v in verdicts):
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
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def upload(self, path: Path, *, force: bool, wait: int,
               allow: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
        params: dict[str, str] = {"wait": str(wait)}
        if force:
            params["force"] = "true"
        if allow:
            params["allow"] = ",".join(allow)
        with path.open("rb") as body:  # requests streams a file object; never read whole
            return self._call("PUT", f"/api/v1/uploads/{quote(path.name, safe='')}",
                              params=params, data=body,
                              headers={"Content-Type": "application/octet-stream"},
                              timeout=(10, wait + 600))

    def finish(self, scan: dict[str, Any], deadline: float) -> dict[str, Any]:
        """Long-poll until the scan finishes or the deadline passes; then the full report."""
        while scan.get("status") not in ("done", "failed"):
            wait = _remaining(deadline)
            if wait <= 0:
                return scan  # unfinished: the caller exits 2 and the JSON says so
            scan = self._call("GET", f"/api/v1/scans/{scan['id']}", params={"wait": str(wait)},
                              timeout=(10, wait + 30))
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
        try:
            body: dict[str, Any] = r.json()
        except ValueError as exc:
            raise ClientError(f"{method} {path}: the server sent no JSON") from exc
        return body


def _problem_text(response: Any) -> str:
    try:
        body = response.json()
        return f"{response.status_code} {body.get('code', '')}: {body.get('detail', '')}"
    except ValueError:
        return f"HTTP {response.status_code}"


def _print(reports: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps({"scans": reports}, indent=2, ensure_ascii=False))
        return
    from weightscan.scanner.output.text import printable, text_report

    for report in reports:
        if report.get("status") in ("done", "failed"):
            print(text_report(report))
        else:
            print(f"{printable(str(report.get('id')))}: still {report.get('status')} "
                  f"(see {printable(str(report.get('links', {}).get('html', '')))})")
