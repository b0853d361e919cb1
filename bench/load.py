"""A bounded load client against the real service in distributed mode.

Without ``--url`` it starts the service itself on 127.0.0.1: a fresh PostgreSQL database
(``--pg-admin``, trust auth), a dedicated Redis database number (``--redis-url``; flushed),
``weightscan serve --no-worker`` (gunicorn) and ``--workers`` ``weightscan worker``
processes (the first one also runs beat, so the sweeper is live), all with
``WEIGHTSCAN_*`` environment variables. With ``--url`` it attaches to a running server
(``--token`` then needs the ``submit`` and ``read`` scopes).

``--concurrency`` client threads share ``--scans`` distinct small files (benign pickles,
malicious pickles, safetensors, in turn). Each client uploads one (``PUT
/api/v1/uploads/<name>``), looks its sha256 up (``GET /api/v1/files/<sha256>``) and polls
``GET /api/v1/scans/<id>`` until it has a verdict, then takes the next file. 429 and 503
are honoured (``Retry-After``, capped) and counted apart from other errors. At the end it
prints throughput, per-operation latency percentiles and error counts as Markdown, and
exits 1 if any scan was lost (no verdict before ``--timeout``), any verdict was wrong or
any unexpected 5xx was seen.

    python3 -m bench.load --scans 1000 --concurrency 16 --timeout 600

Traffic goes only to 127.0.0.1 (``--url`` must be a loopback address).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import pickle
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
FINISHED = {"done", "error"}
MAX_BACKOFF_SECONDS = 5.0


# -- the files: distinct, small, built in code ---------------------------------------------
def benign_pickle(i: int, salt: str) -> bytes:
    return pickle.dumps({"layer": i, "salt": salt, "weights": [float(i), 0.5, -1.25]}, protocol=4)


def malicious_pickle(i: int, salt: str) -> bytes:
    """GLOBAL posix.system + REDUCE, never executed: only scanned."""
    cmd = f"echo load-{salt}-{i}".encode()
    return (
        b"\x80\x02cposix\nsystem\nq\x00X"
        + struct.pack("<I", len(cmd))
        + cmd
        + b"q\x01\x85q\x02Rq\x03."
    )


def safetensors_file(i: int, salt: str) -> bytes:
    payload = struct.pack("<4f", float(i), 1.0, 2.0, 3.0)
    header = json.dumps(
        {
            "w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
            "__metadata__": {"i": str(i), "salt": salt},
        }
    ).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + payload


def sample(i: int, salt: str) -> tuple[str, bytes, str]:
    """(file name, content, expected verdict) of the i-th file; ``salt`` makes every run's
    files new, so each is really scanned instead of answered from the sha256 cache."""
    kind = i % 3
    if kind == 0:
        return f"benign-{i}.pkl", benign_pickle(i, salt), "clean"
    if kind == 1:
        return f"evil-{i}.pkl", malicious_pickle(i, salt), "malicious"
    return f"weights-{i}.safetensors", safetensors_file(i, salt), "clean"


# -- measurements ----------------------------------------------------------------------------
@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    transport_errors: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    submitted: int = 0
    finished: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, op: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies[op].append(seconds)
            self.statuses[op][status] += 1


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


class Client:
    def __init__(self, base: str, token: str, stats: Stats, deadline: float) -> None:
        self.base, self.stats, self.deadline = base.rstrip("/"), stats, deadline
        self.http = requests.Session()
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, op: str, method: str, path: str, **kwargs: Any) -> requests.Response | None:
        """One request, retried on 429/503 (after Retry-After) and on connection errors
        until the deadline; every attempt is measured."""
        while time.monotonic() < self.deadline:
            start = time.perf_counter()
            try:
                response = self.http.request(method, self.base + path, timeout=60, **kwargs)
            except requests.RequestException as exc:
                with self.stats.lock:
                    self.stats.transport_errors[f"{op}: {type(exc).__name__}"] += 1
                time.sleep(0.5)
                if "data" in kwargs and hasattr(kwargs["data"], "seek"):
                    kwargs["data"].seek(0)
                continue
            self.stats.record(op, response.status_code, time.perf_counter() - start)
            if response.status_code in (429, 503):
                if response.status_code == 503 and op == "upload":
                    # The scan is recorded and queued (sweeper picks it up): keep its id.
                    scan_id = _problem_scan_id(response)
                    if scan_id:
                        return response
                time.sleep(min(MAX_BACKOFF_SECONDS, _retry_after(response)))
                if "data" in kwargs and hasattr(kwargs["data"], "seek"):
                    kwargs["data"].seek(0)
                continue
            return response
        return None

    def one_scan(self, name: str, data: bytes, expected: str) -> None:
        digest = hashlib.sha256(data).hexdigest()
        response = self.call(
            "upload",
            "PUT",
            f"/api/v1/uploads/{name}",
            data=io.BytesIO(data),
            headers={"Content-Length": str(len(data)), "Content-Type": "application/octet-stream"},
        )
        scan_id = None
        if response is not None and response.status_code in (200, 202):
            scan_id = response.json()["id"]
        elif response is not None and response.status_code == 503:
            scan_id = _problem_scan_id(response)
        if scan_id is None:
            with self.stats.lock:
                self.stats.lost.append(
                    f"{name}: upload failed ({response.status_code if response else 'timeout'})"
                )
            return
        with self.stats.lock:
            self.stats.submitted += 1
        self.call("lookup", "GET", f"/api/v1/files/{digest}")
        doc = response.json() if response.status_code == 200 else {"status": "queued"}
        delay = 0.2
        while doc.get("status") not in FINISHED and time.monotonic() < self.deadline:
            time.sleep(delay)
            delay = min(1.0, delay * 1.5)
            polled = self.call("poll", "GET", f"/api/v1/scans/{scan_id}")
            if polled is not None and polled.status_code == 200:
                doc = polled.json()
        with self.stats.lock:
            if doc.get("status") not in FINISHED:
                self.stats.lost.append(f"{name}: scan {scan_id} still {doc.get('status')}")
                return
            self.stats.finished += 1
            verdict = str(doc.get("verdict"))
            self.stats.verdicts[verdict] += 1
            if verdict != expected:
                self.stats.wrong.append(f"{name}: {verdict} (expected {expected})")


def _retry_after(response: requests.Response) -> float:
    try:
        return max(0.1, float(response.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0


def _problem_scan_id(response: requests.Response) -> str | None:
    with contextlib.suppress(ValueError):
        value = response.json().get("scan_id")
        return str(value) if value else None
    return None


def run_load(base: str, token: str, scans: int, concurrency: int, timeout: float) -> Stats:
    stats = Stats()
    deadline = time.monotonic() + timeout
    salt = secrets.token_hex(4)
    counter = iter(range(scans))
    counter_lock = threading.Lock()

    def client_loop() -> None:
        client = Client(base, token, stats, deadline)
        while time.monotonic() < deadline:
            with counter_lock:
                i = next(counter, None)
            if i is None:
                return
            client.one_scan(*sample(i, salt))

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 70)
    stats.latencies["_wall"] = [time.perf_counter() - started]
    with counter_lock:
        never = sum(1 for _ in counter)
    if never:
        stats.lost.append(f"{never} files never submitted before the timeout")
    return stats


def markdown(stats: Stats, scans: int, concurrency: int, workers: int | None) -> str:
    wall = stats.latencies.get("_wall", [0.0])[0]
    lines = [
        f"Scans requested: {scans}; concurrency {concurrency}"
        + (f"; workers {workers}" if workers else "")
        + f"; wall time {wall:.1f} s",
        "",
        f"Submitted {stats.submitted}, finished {stats.finished} "
        f"({stats.finished / wall if wall else 0:.1f} scans/s), lost {len(stats.lost)}, "
        f"wrong verdicts {len(stats.wrong)}; verdicts {dict(stats.verdicts)}",
        "",
        "| operation | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | 2xx | 429 | 503 "
        "| other 4xx | other 5xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for op in ("upload", "lookup", "poll"):
        values = stats.latencies.get(op, [])
        codes = stats.statuses.get(op, Counter())
        ok = sum(n for c, n in codes.items() if 200 <= c < 300)
        other4 = sum(n for c, n in codes.items() if 400 <= c < 500 and c != 429)
        other5 = sum(n for c, n in codes.items() if c >= 500 and c != 503)
        lines.append(
            f"| {op} | {len(values)} | {len(values) / wall if wall else 0:.1f} "
            f"| {percentile(values, 50) * 1000:.1f} | {percentile(values, 95) * 1000:.1f} "
            f"| {percentile(values, 99) * 1000:.1f} | {max(values, default=0) * 1000:.1f} "
            f"| {ok} | {codes.get(429, 0)} | {codes.get(503, 0)} | {other4} | {other5} |"
        )
    total = sum(sum(c.values()) for c in stats.statuses.values())
    bad = sum(
        n for c in stats.statuses.values() for code, n in c.items() if code >= 500 and code != 503
    )
    lines += [
        "",
        f"Error rate (5xx other than 503): {bad}/{total} "
        f"({100 * bad / total if total else 0:.2f}%); transport errors: "
        f"{sum(stats.transport_errors.values())} {dict(stats.transport_errors)}",
    ]
    for label, items in (("Lost", stats.lost), ("Wrong", stats.wrong)):
        for item in items[:20]:
            lines.append(f"- {label}: {item}")
    return "\n".join(lines)


# -- the service, started by us ----------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"--url must point at 127.0.0.1 (got {host!r})")


class Service:
    """PostgreSQL database + Redis db + gunicorn web + N workers, torn down on exit."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.home = Path(tempfile.mkdtemp(prefix="weightscan-load-"))
        self.db_name = f"weightscan_load_{os.getpid()}_{secrets.token_hex(3)}"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = ""

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WEIGHTSCAN_")}
        pg = urlsplit(self.args.pg_admin)
        env.update(
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
            WEIGHTSCAN_HOME=str(self.home),
            WEIGHTSCAN_DATABASE_URL=f"postgresql://{pg.username}@{pg.hostname}:{pg.port}/"
            f"{self.db_name}",
            WEIGHTSCAN_BROKER_URL=self.args.redis_url,
            WEIGHTSCAN_RATE_LIMIT_STORAGE_URL=self.args.redis_url,
            WEIGHTSCAN_RATE_LIMIT=self.args.rate_limit,
            WEIGHTSCAN_BLOB_DIR=str(self.home / "blobs"),
            WEIGHTSCAN_SECRET_KEY=secrets.token_urlsafe(32),
            WEIGHTSCAN_ALLOW_ANONYMOUS="false",
            WEIGHTSCAN_WORKER_CONCURRENCY=str(self.args.worker_concurrency),
            WEIGHTSCAN_SWEEP_INTERVAL_SECONDS="10",
            WEIGHTSCAN_STALE_AFTER_SECONDS="120",
        )
        return env

    def start(self) -> None:
        import psycopg
        import redis

        with psycopg.connect(self.args.pg_admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        redis.Redis.from_url(self.args.redis_url).flushdb()
        env = self.env()
        py = sys.executable
        subprocess.run(
            [py, "-m", "weightscan", "db", "upgrade"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        out = subprocess.run(
            [
                py,
                "-m",
                "weightscan",
                "token",
                "create",
                "--name",
                "load",
                "--scopes",
                "submit,read",
            ],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        self.token = next(w for w in out.split() if w.startswith("ws_"))
        self._spawn(
            [
                py,
                "-m",
                "weightscan",
                "serve",
                "--no-worker",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.args.web_workers),
            ],
            env,
            "web.log",
        )
        for n in range(self.args.workers):
            argv = [
                py,
                "-m",
                "weightscan",
                "worker",
                "--loglevel",
                "WARNING",
                "--hostname",
                f"load{n}-{os.getpid()}@%h",
            ]
            if n == 0:
                argv.append("--beat")
            self._spawn(argv, env, f"worker{n}.log")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url + "/readyz", timeout=2).status_code == 200:
                    time.sleep(3)  # let the workers connect to the broker
                    return
            time.sleep(0.5)
        raise SystemExit(f"the server did not become ready; logs in {self.home}")

    def _spawn(self, argv: list[str], env: dict[str, str], log: str) -> None:
        out = open(self.home / log, "ab")  # noqa: SIM115 - lives as long as the process
        self.procs.append(
            subprocess.Popen(
                argv,
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def stop(self) -> None:
        import psycopg

        for p in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(10)
        if not self.args.keep:
            with psycopg.connect(self.args.pg_admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def leaks(self) -> list[str]:
        """Log files of our processes that contain the token or a file's content."""
        found = []
        for log in sorted(self.home.glob("*.log")):
            text = log.read_text(errors="replace")
            for what, needle in (("token", self.token), ("file content", "echo load-")):
                if needle and needle in text:
                    found.append(f"{log.name}: {what}")
        return found

    def cleanup(self) -> None:
        if not self.args.keep:
            shutil.rmtree(self.home, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds, in all")
    parser.add_argument("--url", default="", help="attach to a running server (127.0.0.1)")
    parser.add_argument("--token", default=os.environ.get("WEIGHTSCAN_TOKEN", ""))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-concurrency", type=int, default=1)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rate-limit", default="100000/minute")
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    # A scan counts as lost when the client saw no verdict before --timeout (a rate limit
    # far below the offered load can starve the polls: keep --rate-limit generous).
    args = parser.parse_args(argv)
    if min(args.scans, args.concurrency) < 1 or args.scans > 100_000:
        parser.error("--scans must be in 1..100000 and --concurrency >= 1")
    for url in (args.url, args.redis_url, args.pg_admin):
        if url:
            require_loopback(url)

    service = None
    base, token = args.url, args.token
    if not base:
        service = Service(args)
        print(f"starting the service (logs in {service.home})", file=sys.stderr)
        service.start()
        base, token = service.url, service.token
    leaks: list[str] = []
    try:
        stats = run_load(base, token, args.scans, args.concurrency, args.timeout)
    finally:
        if service is not None:
            service.stop()
            leaks = service.leaks()
    print(markdown(stats, args.scans, args.concurrency, args.workers if service else None))
    if service is not None:
        print(f"\nSecrets or file contents in the service logs: {leaks or 'none'}")
        if stats.lost or leaks:
            print(f"(logs kept in {service.home})")
        else:
            service.cleanup()
    bad5xx = sum(
        n for c in stats.statuses.values() for code, n in c.items() if code >= 500 and code != 503
    )
    return 1 if stats.lost or stats.wrong or bad5xx or leaks else 0


if __name__ == "__main__":
    sys.exit(main())
