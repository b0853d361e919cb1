"""Benchmark the service in distributed mode: real processes, Redis and PostgreSQL.

    python3 bench/bench_service.py            # 2 GB PUT, 50 x 1 MB verdicts, 1,000 files
    python3 bench/bench_service.py --quick    # 256 MB PUT, 20 verdicts, 200 files

Starts, on 127.0.0.1: ``weightscan serve --no-worker`` (gunicorn, gthread) and two
``weightscan worker`` processes, with ``WEIGHTSCAN_*`` pointing at the local Redis
(``redis://127.0.0.1:6379/15``, flushed) and PostgreSQL (database
``weightscan_bench_service``, recreated and migrated). Measures:

* PUT of a large body (streamed with Content-Length, as ``curl -T``): throughput against
  ``dd``'s sequential write rate on the same disk, and the peak RSS (VmHWM) of the
  gunicorn worker that received it;
* upload-to-verdict latency of a 1 MB pickle (``PUT ...?wait=30``), p50 and p95;
* hash lookup (``GET /api/v1/files/<sha256>``) of a known file, p50 and p95;
* 1,000 distinct small pickles submitted concurrently, drained by the two workers:
  scans per second and how many were lost.

Prints a Markdown table (and saves it under bench/out/). Never part of the test suite.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import hashlib
import http.client
import json
import os
import pickle
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
MiB = 1024 * 1024
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "weightscan_bench_service"  # our own: other scripts use weightscan_bench
REDIS_URL = "redis://127.0.0.1:6379/15"


# --------------------------------------------------------------------------- processes
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def service_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIGHTSCAN_")}
    env.update(
        WEIGHTSCAN_HOME=str(home),
        WEIGHTSCAN_DATABASE_URL=f"postgresql://postgres@127.0.0.1:5432/{PG_DB}",
        WEIGHTSCAN_BROKER_URL=REDIS_URL,
        WEIGHTSCAN_ALLOW_ANONYMOUS="true",
        WEIGHTSCAN_RATE_LIMIT="",
        WEIGHTSCAN_MAX_UPLOAD_BYTES=str(8 * 1024 * MiB),
        WEIGHTSCAN_WORKER_CONCURRENCY="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def reset_backends() -> None:
    import psycopg
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DB}")


class Service:
    """The web server and the workers, as separate OS processes."""

    def __init__(self, home: Path, workers: int) -> None:
        self.home = home
        self.env = service_env(home)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.workers = workers

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.home / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "weightscan", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def start(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "weightscan", "db", "upgrade"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        self.web = self._spawn(
            "web",
            "serve",
            "--no-worker",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "2",
        )
        for i in range(self.workers):
            self._spawn(f"worker{i}", "worker", "--concurrency", "1", "--loglevel", "WARNING")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                r = requests.get(self.url + "/readyz", timeout=2)
                checks = r.json().get("checks", {})
                workers = checks.get("workers:ping", [{}])[0].get("observedValue", 0)
                if r.status_code == 200 and workers >= self.workers:
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"service did not become ready; see {self.home}/*.log")

    def web_worker_pids(self) -> list[int]:
        """The gunicorn worker processes (children of the serve process)."""
        return list(_children(self.web.pid))

    def stop(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _children(pid: int) -> Iterator[int]:
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                yield int(child)
                yield from _children(int(child))
    except (FileNotFoundError, ProcessLookupError):
        return


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


# --------------------------------------------------------------------------- measurements
def dd_write_rate(directory: Path, size_mib: int) -> float:
    """Sequential write rate of the disk (bytes/s), ``dd`` with fdatasync."""
    target = directory / "dd.bin"
    out = subprocess.run(
        ["dd", "if=/dev/zero", f"of={target}", "bs=1M", f"count={size_mib}", "conv=fdatasync"],
        capture_output=True,
        text=True,
        check=True,
    )
    target.unlink()
    match = re.search(r"copied, ([\d.]+) s", out.stderr)
    if not match:
        raise RuntimeError(f"cannot read dd output: {out.stderr!r}")
    return size_mib * MiB / float(match.group(1))


def body(total: int, chunk: int = 4 * MiB) -> Iterator[bytes]:
    block = secrets.token_bytes(chunk)
    sent = 0
    while sent < total:
        n = min(chunk, total - sent)
        sent += n
        yield block[:n]


def big_put(service: Service, size: int) -> dict[str, float]:
    """One PUT of ``size`` bytes with Content-Length, as ``curl -T`` sends it."""
    before = {pid: peak_rss(pid) for pid in service.web_worker_pids()}
    host, port = service.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=3600)
    started = time.perf_counter()
    conn.request(
        "PUT",
        "/api/v1/uploads/big.bin",
        body=body(size),
        headers={"Content-Length": str(size), "Content-Type": "application/octet-stream"},
    )
    r = conn.getresponse()
    doc = json.loads(r.read())
    elapsed = time.perf_counter() - started
    if r.status >= 400 or doc["files"][0]["size"] != size:
        raise RuntimeError(f"big PUT failed: {r.status} {doc}")
    peaks = {pid: peak_rss(pid) for pid in service.web_worker_pids()}
    return {
        "seconds": elapsed,
        "rate": size / elapsed,
        "peak_rss": max(peaks.values()),
        "rss_before": max(before.values() or [0]),
    }


def one_mb_pickle(i: int) -> bytes:
    payload = secrets.token_bytes(MiB - 200)
    return pickle.dumps({"layer": i, "weights": payload}, protocol=4)


class Http:
    """A keep-alive connection (http.client): measures the service, not the client's
    per-request proxy and environment lookups that ``requests`` does."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)

    def call(self, method: str, path: str, data: bytes | None = None) -> tuple[int, Any]:
        headers = {"Content-Length": str(len(data))} if data is not None else {}
        self.conn.request(method, path, body=data, headers=headers)
        r = self.conn.getresponse()
        return r.status, json.loads(r.read())


def verdict_latency(service: Service, n: int) -> tuple[list[float], str]:
    times = []
    last_sha = ""
    http_ = Http(service.url)
    for i in range(n):
        data = one_mb_pickle(i)
        started = time.perf_counter()
        _, doc = http_.call("PUT", f"/api/v1/uploads/m{i}.pkl?wait=30", data)
        times.append(time.perf_counter() - started)
        if doc.get("status") != "done":
            raise RuntimeError(f"no verdict within 30 s: {doc}")
        last_sha = hashlib.sha256(data).hexdigest()
    return times, last_sha


def lookup_latency(service: Service, sha256: str, n: int) -> list[float]:
    http_ = Http(service.url)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        status, _ = http_.call("GET", f"/api/v1/files/{sha256}")
        times.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"lookup answered {status}")
    return times


def small_pickle(i: int) -> bytes:
    return pickle.dumps(
        {"id": i, "bias": [float(i)] * 16, "salt": secrets.token_hex(8)}, protocol=4
    )


def drain(service: Service, n: int) -> dict[str, float]:
    """Submit n distinct small files concurrently; wait until every scan is done."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=16, pool_maxsize=16)
    session.mount("http://", adapter)

    def submit(i: int) -> str:
        r = session.put(f"{service.url}/api/v1/uploads/s{i}.pkl", data=small_pickle(i), timeout=60)
        r.raise_for_status()
        return str(r.json()["id"])

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(submit, range(n)))
    submitted = time.perf_counter() - started
    import psycopg

    deadline = time.monotonic() + 600
    done = 0
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{PG_DB}", autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM scans WHERE id = ANY(%s) AND status = 'done'", (ids,)
            ).fetchone()
            done = int(row[0]) if row else 0
            if done == n:
                break
            time.sleep(0.2)
        span = conn.execute(
            "SELECT min(started_at), max(finished_at) FROM scans WHERE id = ANY(%s)", (ids,)
        ).fetchone()
    first, last = span if span else (None, None)
    total = time.perf_counter() - started
    worker_span = (last - first).total_seconds() if first and last else float("nan")
    return {
        "n": n,
        "done": done,
        "lost": n - done,
        "submit_seconds": submitted,
        "end_to_end_rate": done / total,
        "worker_rate": done / worker_span,
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--put-mib", type=int, default=None)
    parser.add_argument("--files", type=int, default=None)
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the temp home and logs")
    args = parser.parse_args(argv)
    put_mib = args.put_mib or (256 if args.quick else 2048)
    files = args.files or (200 if args.quick else 1000)
    samples = args.samples or (20 if args.quick else 50)

    home = Path(tempfile.mkdtemp(prefix="weightscan-bench-"))
    reset_backends()
    service = Service(home, workers=2)
    rows: list[tuple[str, str, str]] = []
    try:
        service.start()
        disk = dd_write_rate(home, min(put_mib, 2048))
        put = big_put(service, put_mib * MiB)
        rows.append(
            (
                f"PUT {put_mib} MiB (Content-Length, as curl -T)",
                f"{put['rate'] / MiB:.0f} MiB/s = {100 * put['rate'] / disk:.0f}% of dd "
                f"({disk / MiB:.0f} MiB/s)",
                ">= 50% of dd",
            )
        )
        rows.append(
            (
                "web worker peak RSS during that PUT",
                f"{put['peak_rss'] / MiB:.0f} MiB (before: {put['rss_before'] / MiB:.0f})",
                "<= 150 MB",
            )
        )
        latencies, sha = verdict_latency(service, samples)
        rows.append(
            (
                f"1 MB pickle upload-to-verdict ({samples} runs)",
                f"p50 {1000 * statistics.median(latencies):.0f} ms, "
                f"p95 {1000 * pct(latencies, 0.95):.0f} ms",
                "p50 <= 300 ms",
            )
        )
        lookups = lookup_latency(service, sha, 200)
        rows.append(
            (
                "hash lookup GET /files/<sha256> (200 runs)",
                f"p50 {1000 * statistics.median(lookups):.1f} ms, "
                f"p95 {1000 * pct(lookups, 0.95):.1f} ms",
                "p50 <= 20 ms",
            )
        )
        result = drain(service, files)
        rows.append(
            (
                f"{files} small files, 2 workers",
                f"{result['worker_rate']:.1f} scans/s by the workers, "
                f"{result['end_to_end_rate']:.1f}/s end to end, lost {result['lost']}",
                ">= 20 scans/s, none lost",
            )
        )
    finally:
        service.stop()
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
    table = ["| measurement | result | target |", "|---|---|---|"]
    table += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(table)
    print(text)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"service-{time.strftime('%Y%m%d-%H%M%S')}.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
