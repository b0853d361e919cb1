"""Service commands: ``serve``, ``worker``, ``db upgrade``, ``token …``, ``rescan --outdated``.

Every command builds ``Settings.from_env()`` once (``WEIGHTSCAN_*`` variables) and passes
it down. Flask, Celery and SQLAlchemy are imported inside the handlers only.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
log = logging.getLogger("weightscan.serve")


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="run the web app (and, by default, a worker beside it)",
        description="Web form, JSON API and -- unless --no-worker -- a Celery worker with "
        "the sweeper, on the configured broker (embedded default: SQLite under "
        "WEIGHTSCAN_HOME, no server needed).",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="bind address (default 127.0.0.1). Anonymous use (no token) is on by default "
        "only in embedded mode on a loopback address, for local requests; "
        "WEIGHTSCAN_ALLOW_ANONYMOUS=true|false decides explicitly",
    )
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="web only (distributed mode: run `weightscan worker` elsewhere)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="web server processes (default 2; threads per process: 8)",
    )
    serve.add_argument(
        "--worker-concurrency",
        type=int,
        default=None,
        help="scan processes of the embedded worker (default: settings)",
    )
    serve.set_defaults(handler=cmd_serve)

    worker = subparsers.add_parser("worker", help="run a Celery worker (scans, sweeper)")
    worker.add_argument(
        "--concurrency",
        "-c",
        type=int,
        default=None,
        help="scan processes (default WEIGHTSCAN_WORKER_CONCURRENCY)",
    )
    worker.add_argument(
        "--queues",
        "-Q",
        default=None,
        help="comma-separated queues (default: all weightscan queues)",
    )
    worker.add_argument(
        "--beat",
        action="store_true",
        help="also run the periodic sweeper schedule (run one per deployment)",
    )
    worker.add_argument(
        "--pool",
        default="prefork",
        choices=("prefork", "solo", "threads"),
        help="prefork (default) enforces time and memory limits per scan",
    )
    worker.add_argument(
        "--hostname",
        "-n",
        default=None,
        help="Celery node name (default weightscan-<pid>@<host>; "
        "containers use weightscan@%%h for health checks)",
    )
    worker.add_argument("--loglevel", default="INFO")
    worker.set_defaults(handler=cmd_worker)

    db = subparsers.add_parser("db", help="database administration")
    db_sub = db.add_subparsers(dest="db_command", metavar="SUBCOMMAND")
    upgrade = db_sub.add_parser("upgrade", help="apply the Alembic migrations (to head)")
    upgrade.add_argument("--revision", default="head")
    upgrade.set_defaults(handler=cmd_db_upgrade)
    current = db_sub.add_parser("current", help="print the database's migration revision")
    current.set_defaults(handler=cmd_db_current)
    db.set_defaults(handler=lambda _a: (db.print_help(), EXIT_ERROR)[1])

    token = subparsers.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", metavar="SUBCOMMAND")
    create = token_sub.add_parser("create", help="create a token and print its secret once")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scopes",
        default="submit,read",
        help="comma-separated: submit, read, admin (default submit,read)",
    )
    create.add_argument("--expires-in-days", type=int, default=None)
    create.set_defaults(handler=cmd_token_create)
    lst = token_sub.add_parser("list", help="list tokens (never their secrets)")
    lst.set_defaults(handler=cmd_token_list)
    revoke = token_sub.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("id")
    revoke.set_defaults(handler=cmd_token_revoke)
    token.set_defaults(handler=lambda _a: (token.print_help(), EXIT_ERROR)[1])

    rescan = subparsers.add_parser("rescan", help="queue scans again")
    rescan.add_argument(
        "--outdated",
        action="store_true",
        required=True,
        help="every stored file whose latest verdict predates the current engine or rules version",
    )
    rescan.set_defaults(handler=cmd_rescan)


# --------------------------------------------------------------------------- helpers
def _settings() -> Any:
    from weightscan.core.settings import Settings

    return Settings.from_env()


def _sessions(settings: Any) -> Any:
    from weightscan.core.db import make_engine, make_sessionmaker

    return make_sessionmaker(make_engine(settings.resolved_database_url))


def _auto_migrate(settings: Any) -> None:
    """Embedded mode (SQLite) migrates itself; a shared database is migrated explicitly
    (``weightscan db upgrade``, the compose ``migrate`` step) to avoid racing replicas."""
    if settings.resolved_database_url.startswith("sqlite"):
        from weightscan.core.migrate import upgrade

        settings.ensure_home()
        upgrade(settings.resolved_database_url)


def _ready_database(settings: Any) -> int | None:
    """Make sure the database has this code's schema before anything uses it.

    Embedded mode (SQLite) migrates itself. A shared database is migrated by an operator,
    so one behind this code stops the command with a message naming ``weightscan db
    upgrade`` (never a SQLAlchemy traceback). Returns the exit code to stop with, or None.
    """
    from sqlalchemy.exc import SQLAlchemyError

    url = settings.resolved_database_url
    try:
        _auto_migrate(settings)
        if url.startswith("sqlite"):
            return None
        from weightscan.core.db import make_engine
        from weightscan.core.migrate import migration_state

        engine = make_engine(url)
        try:
            state, message = migration_state(engine)
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        print(
            f"weightscan: cannot use the database {_redact(url)}: {type(exc).__name__}: {first}",
            file=sys.stderr,
        )
        return EXIT_ERROR
    if state == "behind":
        print(
            f"weightscan: the database {_redact(url)} is not migrated ({message}).\n"
            "Run: weightscan db upgrade",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return None


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def anonymous_default(settings: Any, host: str) -> bool:
    """Whether ``weightscan serve`` turns anonymous use on.

    ``WEIGHTSCAN_ALLOW_ANONYMOUS`` decides when set. Unset, it is on only for the embedded
    default -- SQLite, the embedded broker, a loopback bind: one person on their own
    machine -- and off for anything that looks like a shared deployment (PostgreSQL, a
    Redis broker, a non-loopback bind). Even on, only direct, local, same-site requests
    are anonymous (``weightscan.web.anonymous``).
    """
    if settings.allow_anonymous is not None:
        return bool(settings.allow_anonymous)
    embedded = settings.resolved_database_url.startswith("sqlite") and settings.embedded_broker
    return embedded and is_loopback(host)


# --------------------------------------------------------------------------- serve
def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings()
    anonymous = anonymous_default(settings, args.host)
    settings = settings.replace(allow_anonymous=anonymous)  # explicit from here on
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stop = _ready_database(settings)
    if stop is not None:
        return stop
    settings = settings.ensure_secret_key()  # one key shared by every web process

    worker: WorkerProcess | None = None
    if not args.no_worker:
        concurrency = args.worker_concurrency or settings.worker_concurrency
        worker = WorkerProcess(["--concurrency", str(concurrency), "--beat"])
        worker.start()
    host = f"[{args.host}]" if ":" in args.host and not args.host.startswith("[") else args.host
    print(
        f"weightscan serving on http://{host}:{args.port}/ "
        f"({'anonymous allowed for local requests' if anonymous else 'tokens required'}"
        f"{', embedded worker' if worker else ''})",
        file=sys.stderr,
        flush=True,
    )
    try:
        workers = args.workers or default_web_workers(settings)
        run_gunicorn(
            settings, f"{host}:{args.port}", workers=workers, threads=16 if workers == 1 else 8
        )
    finally:
        if worker is not None:
            worker.stop()
    return EXIT_OK


def default_web_workers(settings: Any) -> int:
    """Two gunicorn processes, or one while rate-limit counters live in process memory
    (``memory://``, the embedded default): two processes would each count on their own
    and double every client's limit."""
    if settings.rate_limit and settings.rate_limit_storage_url.startswith("memory"):
        return 1
    return 2


def run_gunicorn(settings: Any, bind: str, *, workers: int = 2, threads: int = 8) -> None:
    """Serve ``web.create_app(settings)`` with gunicorn's gthread workers, in-process."""
    from gunicorn.app.base import BaseApplication

    from weightscan.cli.gunicorn_worker import TimedThreadWorker

    TimedThreadWorker.read_timeout = float(settings.body_read_timeout_seconds)
    options = {
        "bind": bind,
        "workers": max(1, workers),
        "worker_class": TimedThreadWorker,  # gthread, with a timeout on header reads too
        "threads": threads,
        # gthread: the timeout is a worker heartbeat, not a per-request limit, so slow
        # multi-GB uploads are fine (long polls are capped: WEIGHTSCAN_MAX_WAIT_SECONDS).
        "timeout": 120,
        "graceful_timeout": 30,
        "keepalive": 5,
        "max_requests": 5000,
        "max_requests_jitter": 500,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
    }
    shm = "/dev/shm"  # noqa: S108 - gunicorn's heartbeat file belongs on tmpfs (its docs)
    if os.path.isdir(shm):
        options["worker_tmp_dir"] = shm

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)
            # gunicorn >= 23 opens a control socket under ~/.gunicorn by default; two
            # instances on one machine would fight over it, and we never use it.
            if "control_socket_disable" in self.cfg.settings:
                self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            from weightscan.web import create_app  # lazily: the web package is imported in workers

            return create_app(settings)

    _App().run()


class WorkerProcess:
    """``weightscan worker`` as a child process of ``serve``; restarted if it dies."""

    def __init__(self, extra_args: list[str]) -> None:
        self.argv = [sys.executable, "-m", "weightscan", "worker", *extra_args]
        self.proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._watch: threading.Thread | None = None

    def start(self) -> None:
        self._spawn()
        self._watch = threading.Thread(target=self._watchdog, name="worker-watchdog", daemon=True)
        self._watch.start()

    def _spawn(self) -> None:
        self.proc = subprocess.Popen(self.argv, env=os.environ.copy())  # noqa: S603
        log.info("started worker pid %s", self.proc.pid)

    def _watchdog(self) -> None:
        while not self._stopping.wait(2.0):
            proc = self.proc
            if proc is not None and proc.poll() is not None and not self._stopping.is_set():
                log.warning("worker exited with %s; restarting", proc.returncode)
                time.sleep(1.0)
                self._spawn()

    def stop(self, timeout: float = 20.0) -> None:
        self._stopping.set()
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)  # warm shutdown: running scans finish
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# --------------------------------------------------------------------------- worker
def cmd_worker(args: argparse.Namespace) -> int:
    from weightscan.worker.celery_app import DEFAULT_QUEUE, DOWNLOAD_QUEUE, make_celery

    settings = _settings()
    stop = _ready_database(settings)
    if stop is not None:
        return stop
    app = make_celery(settings)
    queues = args.queues or f"{DEFAULT_QUEUE},{DOWNLOAD_QUEUE}"
    argv = [
        "worker",
        f"--loglevel={args.loglevel}",
        f"--concurrency={args.concurrency or settings.worker_concurrency}",
        f"--queues={queues}",
        f"--pool={args.pool}",
        f"--hostname={args.hostname or f'weightscan-{os.getpid()}@%h'}",
        "--without-mingle",
        "--without-gossip",
    ]
    if args.beat:
        argv += ["--beat", f"--schedule={settings.home / 'celerybeat-schedule'}"]
        settings.ensure_home()
    app.worker_main(argv)
    return EXIT_OK


# --------------------------------------------------------------------------- db
def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from weightscan.core.migrate import upgrade

    settings = _settings()
    upgrade(settings.resolved_database_url, args.revision)
    print(f"database at {args.revision}: {_redact(settings.resolved_database_url)}")
    return EXIT_OK


def cmd_db_current(_args: argparse.Namespace) -> int:
    from weightscan.core.db import make_engine
    from weightscan.core.migrate import current_revision, head_revision

    settings = _settings()
    engine = make_engine(settings.resolved_database_url)
    current = current_revision(engine)
    head = head_revision()
    print(f"current {current or '-'} / head {head}")
    return EXIT_OK if current == head else EXIT_FAIL


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<database>"


# --------------------------------------------------------------------------- tokens
def cmd_token_create(args: argparse.Namespace) -> int:
    from weightscan.core.tokens import create_token

    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
    settings = _settings()
    stop = _ready_database(settings)
    if stop is not None:
        return stop
    factory = _sessions(settings)
    with factory() as session:
        try:
            row, secret = create_token(
                session, args.name, scopes, expires_in_days=args.expires_in_days
            )
        except ValueError as exc:
            print(f"weightscan token create: {exc}", file=sys.stderr)
            return EXIT_ERROR
        session.commit()
        print(
            f"created token {row.id} ({row.name}, scopes {','.join(row.scopes)})", file=sys.stderr
        )
        print("the secret is shown once; store it now:", file=sys.stderr)
        print(secret)
    return EXIT_OK


def cmd_token_list(_args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from weightscan.core.models import ApiToken
    from weightscan.core.reports import iso

    settings = _settings()
    stop = _ready_database(settings)
    if stop is not None:
        return stop
    factory = _sessions(settings)
    with factory() as session:
        rows = session.scalars(select(ApiToken).order_by(ApiToken.created_at)).all()
        print(f"{'id':30} {'prefix':12} {'scopes':20} {'state':8} {'last used':24} name")
        for t in rows:
            state = "revoked" if t.revoked_at else "active"
            print(
                f"{t.id:30} {t.prefix:12} {','.join(t.scopes or []):20} {state:8} "
                f"{iso(t.last_used_at) or '-':24} {t.name}"
            )
    return EXIT_OK


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from weightscan.core.tokens import revoke_token

    settings = _settings()
    stop = _ready_database(settings)
    if stop is not None:
        return stop
    factory = _sessions(settings)
    with factory() as session:
        if not revoke_token(session, args.id):
            print(f"no active token {args.id}", file=sys.stderr)
            return EXIT_FAIL
        session.commit()
    print(f"revoked {args.id}")
    return EXIT_OK


# --------------------------------------------------------------------------- rescan
def cmd_rescan(_args: argparse.Namespace) -> int:
    from weightscan.core.scans.submit import rescan_outdated
    from weightscan.worker.celery_app import make_celery
    from weightscan.worker.dispatch import CeleryDispatcher

    settings = _settings()
    stop = _ready_database(settings)
    if stop is not None:
        return stop
    factory = _sessions(settings)
    with factory() as session:
        ids = rescan_outdated(session)
        session.commit()
    failed = CeleryDispatcher.of(make_celery(settings)).scans(ids) if ids else []
    print(
        f"queued {len(ids)} rescans"
        + (f" ({len(failed)} not sent: the sweeper will send them)" if failed else "")
    )
    return EXIT_OK
