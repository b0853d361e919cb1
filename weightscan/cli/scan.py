"""``weightscan scan PATH...``: scan local files and directories, print a report, set the exit code.

Exit codes: 0 nothing at or above ``--fail-on``; 1 a file at or above it; 2 an error (a file
the scanner failed on, a path that is missing or unreadable, or no file analysed at all).
Errors win over findings, since a scan with an error is incomplete. Every file is scanned
by content, whatever its name. ``hf://ORG/NAME[@REVISION]`` scans a registry repository
(``weightscan.cli.hub``). Only ``scanner`` (and, for ``hf://``, the registry client of
``weightscan.core``) is imported here: no Flask, Celery or SQLAlchemy.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from weightscan.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, hub, write_stdout
from weightscan.scanner import ENGINE_VERSION, RULES_VERSION, scan_file, sha256_of
from weightscan.scanner.model import (
    FileReport,
    Finding,
    ScanReport,
    Severity,
    SkippedPath,
    Verdict,
)
from weightscan.scanner.output import FORMATS, PathError, json_report, sarif_report, text_report
from weightscan.scanner.output.text import human_size, printable
from weightscan.scanner.pickle import policy
from weightscan.scanner.walk import Seen, WalkedFile, walk

_FAIL_ON = {"suspicious": Verdict.SUSPICIOUS, "malicious": Verdict.MALICIOUS}
_ALLOW_ENTRY = re.compile(r"^[^\s.:][^\s:]*\.[^\s.:]+$")  # "module.name", module may be dotted


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "scan",
        help="scan model files and directories without loading them",
        description="Scan model files (and every file under directories) by content, "
        "without loading them. Exit 0 clean, 1 findings at or above --fail-on, "
        "2 error.",
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="file or directory to scan, or hf://ORG/NAME[@REVISION] for a "
        "repository on the registry (WEIGHTSCAN_HF_ENDPOINT)",
    )
    p.add_argument(
        "--format", choices=FORMATS, default="text", help="report format (default: text)"
    )
    p.add_argument(
        "--fail-on",
        choices=tuple(_FAIL_ON),
        default="suspicious",
        help="lowest file verdict that makes the exit code 1 (default: suspicious)",
    )
    p.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="MODULE.NAME",
        help="also allow this pickle import (repeatable, or comma-separated)",
    )
    p.add_argument("--no-hash", action="store_true", help="do not compute SHA-256 digests")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report here, not to stdout")
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="text: list only flagged files; never show a progress bar",
    )
    p.set_defaults(handler=run_scan_command)


def run_scan_command(args: argparse.Namespace) -> int:
    try:
        allow = parse_allow(args.allow)
    except ValueError as exc:
        _complain(str(exc))
        return EXIT_ERROR
    for entry in sorted(allow):
        blocked = policy.why_allow_cannot_clear(entry)
        if blocked is not None:
            _complain(
                f"warning: --allow {entry} cannot clear this import "
                f"({blocked.decision.value}: {blocked.reason}); it is ignored"
            )
    errors: list[PathError] = []
    skipped: list[SkippedPath] = []
    hub_targets = [p for p in args.paths if hub.is_hub_target(p)]
    targets = list(
        collect_files([p for p in args.paths if not hub.is_hub_target(p)], errors, skipped)
    )
    for e in errors:
        _complain(f"cannot scan {printable(e.path)}: {e.message}")
    bar = ProgressBar(
        sys.stderr, len(targets), sum(size for _, size in targets), enabled=not args.quiet
    )
    try:
        files = _scan_targets(
            targets, hub_targets, bar, errors, skipped, compute_sha256=not args.no_hash, allow=allow
        )
    finally:
        bar.close()
    if not files:
        _complain("no file was analysed; that is not a clean pass (exit 2)")
    report = ScanReport(
        files=tuple(files),
        engine_version=ENGINE_VERSION,
        rules_version=RULES_VERSION,
        policy={"extra_allow": sorted(allow)} if allow else {},
        skipped=tuple(skipped),
    )
    text = render(report, args.format, errors=errors, quiet=args.quiet)
    if not write_output(text, args.output):
        return EXIT_ERROR
    return exit_code(report, errors, _FAIL_ON[args.fail_on])


def _scan_targets(
    targets: list[tuple[Path, int]],
    hub_targets: list[str],
    bar: ProgressBar,
    errors: list[PathError],
    skipped: list[SkippedPath],
    *,
    compute_sha256: bool,
    allow: frozenset[str],
) -> list[FileReport]:
    """Scan the local files, then each ``hf://`` repository; problems go to the lists."""

    def scan_file_at(path: Path, size: int, name: str | None = None) -> FileReport | None:
        return scan_one(
            path,
            size,
            compute_sha256=compute_sha256,
            allow=allow,
            progress=bar.update,
            errors=errors,
            display_name=name,
        )

    files: list[FileReport] = []
    for path, size in targets:
        bar.start_file(str(path), size)
        file_report = scan_file_at(path, size)
        if file_report is not None:
            files.append(file_report)
        bar.finish_file()
    for target in hub_targets:
        bar.clear()
        result = hub.scan_hub(
            target,
            scan=scan_file_at,
            start_file=bar.start_file,
            progress=bar.update,
            finish_file=bar.finish_file,
            on_plan=bar.add_work,
        )
        bar.clear()
        for e in result.errors:
            _complain(f"cannot scan {printable(e.path)}: {printable(e.message)}")
        files.extend(result.files)
        skipped.extend(result.skipped)
        errors.extend(result.errors)
    return files


def parse_allow(entries: Sequence[str]) -> frozenset[str]:
    """``--allow`` values ("module.name", repeatable, comma-separated) as a set."""
    allow = set()
    for entry in entries:
        for item in entry.split(","):
            item = item.strip()
            if not item:
                continue
            if not _ALLOW_ENTRY.match(item):
                raise ValueError(
                    f"--allow expects MODULE.NAME (e.g. mypkg.layers.Custom), got {item!r}"
                )
            allow.add(item)
    return frozenset(allow)


def collect_files(
    paths: Sequence[str], errors: list[PathError], skipped: list[SkippedPath] | None = None
) -> Iterator[tuple[Path, int]]:
    """Every file to scan with its size, in argument order (directories sorted, recursed).

    Symlinks are followed (a Hugging Face cache snapshot is made of them), each directory
    entered once and each file scanned once. A path whose content is never seen (missing,
    unreadable, a broken link, a device or pipe) goes to ``errors``; one analysed under
    another name (a second link, a loop) to ``skipped``, with the reason.
    """
    seen: Seen = {}
    for arg in paths:
        for entry in walk(Path(arg), seen):
            if isinstance(entry, WalkedFile):
                yield entry.path, entry.size
            elif not entry.covered:
                errors.append(PathError(entry.path, entry.reason))
            elif skipped is not None:
                skipped.append(entry)


def scan_one(
    path: Path,
    size: int,
    *,
    compute_sha256: bool,
    allow: frozenset[str],
    progress: Any,
    errors: list[PathError],
    display_name: str | None = None,
) -> FileReport | None:
    """Scan one file; an unreadable file goes to ``errors``, a scanner crash to an error report."""
    shown = display_name or str(path)
    try:
        return scan_file(
            path,
            compute_sha256=compute_sha256,
            allow=allow,
            progress=progress,
            display_name=display_name,
        )
    except OSError as exc:
        errors.append(PathError(shown, _reason(exc)))
        _complain(f"cannot scan {printable(shown)}: {_reason(exc)}")
        return None
    except Exception as exc:  # fail closed: report the file as "error"
        message = f"the scanner failed on this file: {type(exc).__name__}: {exc}"[:500]
        _complain(f"{printable(shown)}: {printable(message)}")
        return FileReport(
            path=shown,
            size=size,
            format="unknown",
            verdict=Verdict.ERROR,
            findings=(
                Finding(
                    "scanner.internal-error",
                    Severity.HIGH,
                    message,
                    evidence={"exception": type(exc).__name__},
                ),
            ),
            sha256=_try_sha256(path) if compute_sha256 else None,
        )


def _try_sha256(path: Path) -> str | None:
    try:
        with open(path, "rb") as f:
            return sha256_of(f)
    except OSError:
        return None


def render(report: ScanReport, fmt: str, *, errors: Sequence[PathError], quiet: bool) -> str:
    if fmt == "json":
        return json_report(report, errors=errors)
    if fmt == "sarif":
        return sarif_report(report, errors=errors, base_dir=os.getcwd())
    return text_report(report, errors=errors, only_flagged=quiet)


def write_output(text: str, output: str | None) -> bool:
    """Write the report to ``output`` (or stdout); False after a one-line error message."""
    if output is None or output == "-":
        write_stdout(text)
        return True
    try:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        _complain(f"cannot write {output}: {_reason(exc)}")
        return False
    return True


def exit_code(report: ScanReport, errors: Sequence[PathError], fail_on: Verdict) -> int:
    """2 if anything could not be scanned or nothing was, else 1 if a file reaches
    ``fail_on``, else 0."""
    if errors or not report.files or any(f.verdict is Verdict.ERROR for f in report.files):
        return EXIT_ERROR
    if any(f.verdict.rank >= fail_on.rank for f in report.files):
        return EXIT_FINDINGS
    return EXIT_OK


def _reason(exc: OSError) -> str:
    """ "permission denied", "no such file or directory": the OS reason, without the path."""
    return exc.strerror.lower() if exc.strerror else str(exc)


def _complain(message: str) -> None:
    print(f"weightscan: {message}", file=sys.stderr)


class ProgressBar:
    """One self-erasing status line on stderr, for scans long enough to need it.

    Drawn only when the stream is a terminal, and only once the scan has run for
    ``delay`` seconds, so quick scans and piped output (CI logs) never see it.
    """

    def __init__(
        self,
        stream: TextIO,
        total_files: int,
        total_bytes: int,
        *,
        enabled: bool = True,
        delay: float = 0.5,
        interval: float = 0.1,
    ) -> None:
        isatty = getattr(stream, "isatty", None)
        self.enabled = enabled and callable(isatty) and bool(isatty())
        self._stream = stream
        self._total_files, self._total_bytes = total_files, total_bytes
        self._delay, self._interval = delay, interval
        self._started = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False
        self._files_done = 0
        self._bytes_done = 0
        self._name, self._size, self._fraction, self._stage = "", 0, 0.0, ""
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._ticker: threading.Thread | None = None
        if self.enabled:  # redraw while one long file gives no progress callbacks
            self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
            self._ticker.start()

    def start_file(self, name: str, size: int) -> None:
        self._name, self._size, self._fraction, self._stage = name, size, 0.0, ""
        self._draw()

    def update(self, stage: str, done: int, total: int) -> None:
        """The scanner's progress callback: ``stage`` of the current file, ``done``/``total``."""
        self._stage = stage
        if total > 0:
            self._fraction = min(1.0, max(0.0, done / total))
        self._draw()

    def finish_file(self) -> None:
        self._files_done += 1
        self._bytes_done += self._size
        self._size, self._fraction = 0, 0.0
        self._draw()

    def add_work(self, files: int, nbytes: int) -> None:
        """More files to come (a repository's listing arrived)."""
        self._total_files += files
        self._total_bytes = self._total_bytes + nbytes

    def close(self) -> None:
        self._stopped.set()
        if self._ticker is not None:
            self._ticker.join()
        self.clear()

    def clear(self) -> None:
        """Erase the status line (before writing other lines to the same stream)."""
        with self._lock:
            if self._drawn:
                self._stream.write("\r\x1b[K")
                self._stream.flush()
                self._drawn = False

    def line(self, width: int = 80) -> str:
        done = self._bytes_done + int(self._size * self._fraction)
        ratio = min(1.0, done / max(1, self._total_bytes))
        cells = 20
        filled = int(ratio * cells)
        bar = "#" * filled + "-" * (cells - filled)
        current = f" {printable(self._name)}" + (
            f" ({printable(self._stage)})" if self._stage else ""
        )
        elapsed = time.monotonic() - self._started
        text = (
            f"[{bar}] {ratio * 100:3.0f}% {self._files_done}/{self._total_files} files "
            f"{human_size(done)}/{human_size(self._total_bytes)} {elapsed:.0f}s{current}"
        )
        return text[: max(10, width - 1)]

    def _draw(self) -> None:
        if not self.enabled:
            return
        with self._lock:
            now = time.monotonic()
            if now - self._started < self._delay or now - self._last_draw < self._interval:
                return
            if self._stopped.is_set():
                return
            self._last_draw = now
            width = shutil.get_terminal_size((80, 24)).columns
            self._stream.write("\r\x1b[K" + self.line(width))
            self._stream.flush()
            self._drawn = True

    def _tick(self) -> None:
        while not self._stopped.wait(max(self._interval, 0.25)):
            self._draw()
