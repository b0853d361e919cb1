"""Benchmark weightscan against picklescan, modelscan, ModelAudit and fickling.

    python3 bench/run.py --quick      # < 2 minutes: weightscan only, small perf inputs
    python3 bench/run.py              # everything: peers in bench/.venvs/, 90 MB pickle, 1 GB zip

What it does: builds a corpus (hand-made malicious samples from the peer survey, benign
files from the real libraries) in a temporary directory; runs every tool on every file,
one invocation per file, measuring wall time and peak RSS; maps each answer to
malicious / suspicious / clean / error / skipped / timeout; then runs the performance
cases (opcode-dense pickle, big PyTorch-style zip, hashing throughput). It prints
Markdown tables and saves them under bench/out/. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make "bench" and "scanner" importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import perf
from bench.corpus import BENIGN, MALICIOUS, SUSPICIOUS, Sample, build_corpus
from bench.measure import Run, fmt_bytes, fmt_seconds, run_measured
from bench.peers import (
    BENCH_DIR,
    Tool,
    ensure_venv,
    env_for,
    peer_tools,
    prepare_scratch,
    weightscan_tool,
)

SYMBOL = {
    "malicious": "**C**",
    "suspicious": "S",
    "clean": "–",
    "error": "E",
    "skipped": "skip",
    "timeout": "T",
}


@dataclass(frozen=True)
class Outcome:
    verdict: str
    run: Run


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_tool(tool: Tool, path: Path, work: Path, timeout: float) -> Outcome:
    scratch = prepare_scratch(work, tool)
    run = run_measured(tool.command(path, scratch), timeout=timeout, env=env_for(tool), cwd=scratch)
    return Outcome(tool.classify(run, scratch), run)


# -- detection -------------------------------------------------------------------------------


def detection(
    tools: Sequence[Tool], corpus: Sequence[tuple[Sample, Path]], work: Path, timeout: float
) -> dict[tuple[str, str], Outcome]:
    results = {}
    for tool in tools:
        started = time.monotonic()
        for sample, path in corpus:
            results[tool.name, sample.name] = run_tool(tool, path, work, timeout)
        log(f"{tool.name}: {len(corpus)} files in {time.monotonic() - started:.1f} s")
    return results


def detection_tables(
    tools: Sequence[Tool],
    corpus: Sequence[tuple[Sample, Path]],
    results: dict[tuple[str, str], Outcome],
) -> str:
    n = {k: sum(1 for s, _ in corpus if s.expect == k) for k in (MALICIOUS, SUSPICIOUS, BENIGN)}
    lines = [
        f"### Detection ({len(corpus)} files: {n[MALICIOUS]} malicious, "
        f"{n[SUSPICIOUS]} should-be-suspicious, {n[BENIGN]} benign)",
        "",
        "| tool | version | malicious caught as malicious | malicious flagged at all "
        "| suspicious flagged | benign false alarms | errors / skipped / timeouts "
        "| total seconds | peak RSS (max) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for tool in tools:
        outs = [(s, results[tool.name, s.name]) for s, _ in corpus]
        mal = [o.verdict for s, o in outs if s.expect == MALICIOUS]
        sus = [o.verdict for s, o in outs if s.expect == SUSPICIOUS]
        ben = [o.verdict for s, o in outs if s.expect == BENIGN]
        flagged = ("malicious", "suspicious")
        bad = sum(1 for _, o in outs if o.verdict in ("error", "skipped", "timeout"))
        seconds = sum(o.run.seconds for _, o in outs)
        peak = max((o.run.peak_rss_bytes or 0 for _, o in outs), default=0)
        lines.append(
            f"| {tool.name} | {tool.version} | {mal.count('malicious')}/{len(mal)} "
            f"| {sum(v in flagged for v in mal)}/{len(mal)} "
            f"| {sum(v in flagged for v in sus)}/{len(sus)} "
            f"| {sum(v in flagged for v in ben)}/{len(ben)} | {bad} "
            f"| {fmt_seconds(seconds)} | {fmt_bytes(peak)} |"
        )
    lines += [
        "",
        "Per file (**C** malicious, S suspicious, – clean, E error, skip not scanned, T timeout):",
        "",
        "| sample | expected | ref | " + " | ".join(t.name for t in tools) + " |",
        "|---|---|---|" + "---|" * len(tools),
    ]
    for sample, _ in corpus:
        cells = [SYMBOL[results[t.name, sample.name].verdict] for t in tools]
        lines.append(
            f"| `{sample.name}` ({sample.what}) | {sample.expect} | {sample.ref} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines) + "\n"


def padded_table(
    tools: Sequence[Tool],
    corpus: Sequence[tuple[Sample, Path]],
    results: dict[tuple[str, str], Outcome],
) -> str:
    """Sample u on its own: a big benign list with the payload at the very end."""
    found = [(s, p) for s, p in corpus if s.name.startswith("u_")]
    if not found:
        return ""
    sample, path = found[0]
    lines = [
        f"### Padded payload (`{sample.name}`, {fmt_bytes(path.stat().st_size)}, "
        "os.system after a long benign list)",
        "",
        "| tool | verdict | wall seconds | peak RSS |",
        "|---|---|---|---|",
    ]
    for tool in tools:
        out = results[tool.name, sample.name]
        lines.append(
            f"| {tool.name} | {out.verdict} | "
            f"{'timeout' if out.run.timed_out else fmt_seconds(out.run.seconds)} "
            f"| {fmt_bytes(out.run.peak_rss_bytes)} |"
        )
    return "\n".join(lines) + "\n"


# -- performance -----------------------------------------------------------------------------


def perf_dense(
    tools: Sequence[Tool], work: Path, n_items: int, timeout: float, *, random_widths: bool = False
) -> str:
    path = work / "dense.pkl"
    started = time.monotonic()
    opcodes = perf.write_dense_pickle(path, n_items, random_widths=random_widths)
    size = path.stat().st_size
    shape = "random-width strings (1-16 chars)" if random_widths else "7-digit ids"
    log(
        f"dense pickle ({shape}): {fmt_bytes(size)}, {opcodes:,} opcodes, written in "
        f"{time.monotonic() - started:.1f} s"
    )
    in_process = perf.scan_seconds(path, compute_sha256=False, repeat=1)
    report = in_process.result
    lines = [
        f"### Opcode-dense benign pickle, {shape} ({fmt_bytes(size)}, {opcodes:,} "
        f"opcodes; timeout {timeout:.0f} s)",
        "",
        "| tool | verdict | wall seconds | peak RSS |",
        "|---|---|---|---|",
    ]
    for tool in tools:
        out = run_tool(tool, path, work, timeout)
        log(f"dense pickle: {tool.name} {out.verdict} {out.run.seconds:.1f} s")
        lines.append(
            f"| {tool.name} | {out.verdict} | "
            f"{'timeout' if out.run.timed_out else fmt_seconds(out.run.seconds)} "
            f"| {fmt_bytes(out.run.peak_rss_bytes)} |"
        )
    verdict = getattr(report, "verdict", "?")
    lines.append(
        f"| weightscan, in-process `scan_path` (no hash) | {verdict} "
        f"| {fmt_seconds(in_process.seconds)} | - |"
    )
    path.unlink()
    return "\n".join(lines) + "\n"


def perf_big_zip(tools: Sequence[Tool], work: Path, storage_bytes: int, timeout: float) -> str:
    path = work / "big_model.pt"
    started = time.monotonic()
    perf.write_big_torch_zip(path, storage_bytes)
    size = path.stat().st_size
    log(f"big zip: {fmt_bytes(size)} written in {time.monotonic() - started:.1f} s")
    cat = perf.cat_seconds(path)
    scan = perf.scan_seconds(path, compute_sha256=False)
    scan_hash = perf.scan_seconds(path, compute_sha256=True)
    plain = perf.hashlib_seconds(path)
    ratio = plain.seconds / scan_hash.seconds if scan_hash.seconds else 0.0
    mb = size / 1e6
    lines = [
        f"### PyTorch-style zip, {fmt_bytes(size)} (small data.pkl + one stored storage; "
        "warm page cache)",
        "",
        "| measurement | seconds | throughput |",
        "|---|---|---|",
        f"| `cat file > /dev/null` | {cat:.3f} | {mb / cat:,.0f} MB/s |",
        f"| weightscan `scan_path` (no hash) | {scan.seconds:.3f} "
        f"| {mb / scan.seconds:,.0f} MB/s |",
        f"| weightscan `scan_path(compute_sha256=True)` | {scan_hash.seconds:.3f} "
        f"| {mb / scan_hash.seconds:,.0f} MB/s |",
        f"| `hashlib.sha256` alone (4 MiB reads) | {plain.seconds:.3f} "
        f"| {mb / plain.seconds:,.0f} MB/s |",
        "",
        f"Hashing throughput of `scan_path(compute_sha256=True)` = "
        f"**{ratio * 100:.0f} %** of plain hashlib (target >= 80 %). Verdict: "
        f"{getattr(scan.result, 'verdict', '?')}.",
        "",
    ]
    lines += ["| tool (CLI, one file) | verdict | wall seconds | peak RSS |", "|---|---|---|---|"]
    for tool in [*tools, weightscan_no_hash()]:
        out = run_tool(tool, path, work, timeout)
        log(f"big zip: {tool.name} {out.verdict} {out.run.seconds:.1f} s")
        lines.append(
            f"| {tool.name} | {out.verdict} | "
            f"{'timeout' if out.run.timed_out else fmt_seconds(out.run.seconds)} "
            f"| {fmt_bytes(out.run.peak_rss_bytes)} |"
        )
    lines += [
        "",
        "(The weightscan CLI computes the file's SHA-256 by default; ModelAudit hashes "
        "the file too. The other peers only read the pickle member.)",
    ]
    path.unlink()
    return "\n".join(lines) + "\n"


def weightscan_no_hash() -> Tool:
    tool = weightscan_tool()
    tool.name = "weightscan --no-hash"
    tool.command = lambda p, s: [
        sys.executable,
        "-m",
        "weightscan",
        "scan",
        "--format",
        "json",
        "--no-hash",
        str(p),
    ]
    return tool


# -- main --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument(
        "--quick", action="store_true", help="small perf inputs, weightscan only (under ~2 minutes)"
    )
    p.add_argument("--no-peers", action="store_true", help="run weightscan only")
    p.add_argument(
        "--tools",
        default="picklescan,modelscan,modelaudit,fickling",
        help="comma-separated peers to include (default: all four)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds per tool invocation (default 300, 60 with --quick)",
    )
    p.add_argument("--skip-perf", action="store_true", help="detection tables only")
    p.add_argument("--keep", action="store_true", help="keep the temporary corpus directory")
    p.add_argument(
        "--out",
        type=Path,
        default=BENCH_DIR / "out",
        help="directory for the Markdown results (default bench/out/)",
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    timeout = args.timeout or (60.0 if args.quick else 300.0)
    work = Path(tempfile.mkdtemp(prefix="weightscan-bench-"))
    started = time.monotonic()
    try:
        log(f"building the corpus in {work / 'corpus'}")
        corpus = build_corpus(work / "corpus", quick=args.quick)
        tools = [weightscan_tool()]
        if not (args.quick or args.no_peers):
            wanted = {t.strip() for t in args.tools.split(",") if t.strip()}
            tools += [t for t in peer_tools() if t.name in wanted and ensure_venv(t, log)]
        sections = [
            f"## weightscan benchmark ({'quick' if args.quick else 'full'} run, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs)",
            "",
            "Tools: "
            + ", ".join(f"{t.name} {t.version}" for t in tools)
            + ". Each tool is run once per file through its CLI; wall time and peak RSS "
            "include interpreter start-up.",
            "",
        ]
        results = detection(tools, corpus, work, timeout)
        sections.append(detection_tables(tools, corpus, results))
        sections.append(padded_table(tools, corpus, results))
        if not args.skip_perf:
            n_items = 400_000 if args.quick else 8_000_000
            sections.append(perf_dense(tools, work, n_items, timeout))
            sections.append(perf_dense(tools, work, n_items, timeout, random_widths=True))
            storage = (64 << 20) if args.quick else (1 << 30)
            sections.append(perf_big_zip(tools, work, storage, timeout))
        sections.append(f"_Total benchmark time {time.monotonic() - started:.0f} s._\n")
        text = "\n".join(sections)
        print(text)
        args.out.mkdir(parents=True, exist_ok=True)
        out_file = (
            args.out / f"bench-{'quick' if args.quick else 'full'}-"
            f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.md"
        )
        out_file.write_text(text, encoding="utf-8")
        log(f"saved {out_file}")
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
