"""HTML pages: the upload form, a scan's live page, the list of scans, token login.

Every value shown comes from the same serialiser as the API (``weightscan.core.reports``) and is
escaped by Jinja's autoescape; nothing is marked safe. Scripts and styles are our own
static files (strict CSP, no inline code).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response as WerkzeugResponse

from weightscan.core.tokens import verify_token
from weightscan.web.auth import NOBODY, Principal, current_principal
from weightscan.web.db import get_session
from weightscan.web.errors import BadRequestError, ForbiddenError, ServiceUnavailableError
from weightscan.web.security import check_csrf

bp = Blueprint("pages", __name__)

PAGE_SIZE = 25
MAX_VALUE_CHARS = 2000


def _reader() -> Principal | None:
    principal = current_principal()
    return None if principal is NOBODY or not principal.has("read") else principal


def _login_redirect() -> WerkzeugResponse:
    return redirect(url_for("pages.login", next=request.full_path), code=303)


@bp.get("/")
def index() -> Any:
    principal = current_principal()
    if principal is NOBODY:
        return _login_redirect()
    return render_template(
        "index.html",
        can_submit=principal.has("submit"),
        max_upload_bytes=current_app.config["WEIGHTSCAN_SETTINGS"].max_upload_bytes,
        sources=True,
    )


@bp.post("/upload")
def upload() -> Any:
    from weightscan.web.api.common import query_bool
    from weightscan.web.submission import commit_and_send, submit_uploads

    check_csrf()
    principal = current_principal()
    if not principal.has("submit"):
        raise ForbiddenError("You need a token with the 'submit' scope to upload.")
    uploads = [u for u in request.files.getlist("file") if u.filename]
    if not uploads:
        raise BadRequestError("Choose at least one file.")
    submission = submit_uploads(
        [(u.stream, u.filename or "upload") for u in uploads], principal, force=query_bool("force")
    )
    # If the broker is down the scan stays queued; the sweeper starts it later and the
    # page shows "queued" meanwhile.
    with contextlib.suppress(ServiceUnavailableError):
        commit_and_send(submission)
    return _submitted(submission.scan.id)


@bp.post("/submit-source")
def submit_source() -> Any:
    from weightscan.core.registry import submit_source as record_source
    from weightscan.web.queue import dispatcher

    check_csrf()
    principal = current_principal()
    if not principal.has("submit"):
        raise ForbiddenError("You need a token with the 'submit' scope.")
    url = (request.form.get("url") or "").strip()
    repo = (request.form.get("repo") or "").strip()
    if url:
        source: dict[str, Any] = {"type": "url", "url": url}
    elif repo:
        source = {
            "type": "huggingface",
            "repo": repo,
            "revision": (request.form.get("revision") or "main").strip(),
        }
    else:
        raise BadRequestError("Give a URL or a repository.")
    from weightscan.web.errors import source_error

    try:
        group, work = record_source(
            get_session(),
            current_app.config["WEIGHTSCAN_SETTINGS"],
            source,
            owner_token_id=principal.token_id,
            use_server_token=principal.is_admin or principal.anonymous,
        )
    except Exception as exc:
        raise source_error(exc) from exc
    get_session().commit()
    work.send(dispatcher())  # broker down: the group stays queued for the sweeper
    return _submitted(group.id)


def _submitted(scan_id: str) -> Any:
    target = url_for("pages.scan_page", scan_id=scan_id)
    if request.accept_mimetypes.best == "application/json":  # our upload script
        return jsonify({"id": scan_id, "html": target}), 201
    return redirect(target, code=303)


@bp.get("/scans")
def scans_page() -> Any:
    from weightscan.core.reports import VERDICTS
    from weightscan.web.listing import STATUSES, encode_cursor, list_filters, page_of_scans
    from weightscan.web.serialize import scan_json

    principal = _reader()
    if principal is None:
        return _login_redirect()
    rows = page_of_scans(get_session(), principal, request.args.get("cursor"), PAGE_SIZE)
    next_url = None
    if len(rows) > PAGE_SIZE:
        next_url = url_for(
            "pages.scans_page", cursor=encode_cursor(rows[PAGE_SIZE - 1]), **list_filters()
        )
    return render_template(
        "scans.html",
        scans=[scan_json(s) for s in rows[:PAGE_SIZE]],
        next_url=next_url,
        verdicts=VERDICTS,
        statuses=STATUSES,
        args=request.args,
    )


@bp.get("/scans/<scan_id>")
def scan_page(scan_id: str) -> Any:
    from weightscan.web.api.common import visible_scan
    from weightscan.web.serialize import scan_json

    principal = _reader()
    if principal is None:
        return _login_redirect()
    scan = visible_scan(get_session(), scan_id, principal)
    doc = scan_json(scan, findings=True)
    return render_template(
        "scan.html",
        scan=doc,
        finished=doc["status"] in ("done", "failed"),
        parent=scan.group_id,
        display=display_value,
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        check_csrf()
        token = verify_token(get_session(), (request.form.get("token") or "").strip())
        if token is None:
            error = "That token is unknown, revoked or expired."
        else:
            session.clear()
            session["token_id"] = token.id
            session["epoch"] = token.session_epoch or 0
            return redirect(local_path(request.args.get("next") or "/"), code=303)
    return render_template("login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout() -> Any:
    from weightscan.core.models import ApiToken

    check_csrf()
    token_id = session.get("token_id")
    if token_id:
        # End the session on the server: every cookie of this token's page sessions,
        # including copies saved elsewhere, stops working (the token itself does not).
        db = get_session()
        token = db.get(ApiToken, token_id)
        if token is not None and session.get("epoch") == (token.session_epoch or 0):
            token.session_epoch = (token.session_epoch or 0) + 1
            db.commit()
    session.clear()
    return redirect(url_for("pages.login"), code=303)


def local_path(target: str) -> str:
    """``next`` as a path on this site, else ``/``.

    Browsers and Werkzeug drop tabs and newlines inside a URL, so ``/\t/evil.example``
    becomes ``//evil.example`` after any check made on the raw text: remove control
    characters first, read backslashes as browsers do, then require a bare path (no
    scheme, no host)."""
    from urllib.parse import urlsplit

    cleaned = "".join(c for c in target if (c.isprintable() and not c.isspace()) or c == " ")
    cleaned = cleaned.replace("\\", "/").strip()
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return "/"
    if parts.scheme or parts.netloc or not cleaned.startswith("/") or cleaned.startswith("//"):
        return "/"
    return cleaned


def display_value(value: Any) -> str:
    """A metadata value as bounded text (escaped by the template, like everything else)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"
