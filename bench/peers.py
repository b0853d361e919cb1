"""The scanners we compare against, each in its own virtualenv, and how to read their answers.

Every tool is run as its command line is documented, one file per invocation, and its
exit code and output are mapped onto one vocabulary:

    malicious   flagged as dangerous / critical
    suspicious  flagged, but only as a warning (unknown import, medium, ...)
    clean       nothing reported
    error       the tool failed on the file and reported nothing
    skipped     the tool did not scan the file (extension filter, unsupported input)
    timeout     killed after the time limit
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.measure import Run

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
VENVS = BENCH_DIR / ".venvs"

MALICIOUS, SUSPICIOUS, CLEAN, ERROR, SKIPPED, TIMEOUT = (
    "malicious",
    "suspicious",
    "clean",
    "error",
    "skipped",
    "timeout",
)

# Telemetry off for every peer (ModelAudit/promptfoo use PostHog by default; aisbom too).
QUIET_ENV = {
    "PROMPTFOO_DISABLE_TELEMETRY": "1",
    "NO_ANALYTICS": "1",
    "DO_NOT_TRACK": "1",
    "AISBOM_NO_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "COLUMNS": "200",
}


@dataclass
class Tool:
    name: str
    packages: tuple[str, ...]  # pip requirements for its venv (empty: this repository)
    command: Callable[[Path, Path], list[str]]  # (file, scratch dir) -> argv
    classify: Callable[[Run, Path], str]  # (run, scratch dir) -> verdict word
    version: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def venv(self) -> Path:
        return VENVS / self.name

    def bin(self, exe: str) -> str:
        return str(self.venv / "bin" / exe)


def tool_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(QUIET_ENV)
    return env


def ensure_venv(tool: Tool, log: Callable[[str], None] = print) -> bool:
    """Create ``bench/.venvs/<tool>`` and pip-install its packages once. False on failure."""
    if not tool.packages:
        return True
    marker = tool.venv / ".weightscan-bench"
    wanted = " ".join(tool.packages)
    if marker.exists() and marker.read_text() == wanted:
        tool.version = _installed_version(tool)
        return True
    log(f"[setup] creating {tool.venv} and installing {wanted} (PyPI) ...")
    try:
        if not (tool.venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(tool.venv)], check=True)
        subprocess.run(
            [tool.bin("python"), "-m", "pip", "install", "-q", *tool.packages],
            check=True,
            env=tool_env(),
            timeout=1800,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        log(f"[setup] {tool.name}: install failed: {exc}")
        return False
    marker.write_text(wanted)
    tool.version = _installed_version(tool)
    return True


def _installed_version(tool: Tool) -> str:
    dist = tool.packages[0].split("=")[0].split("[")[0]
    out = subprocess.run(
        [tool.bin("python"), "-c", f"import importlib.metadata as m; print(m.version({dist!r}))"],
        capture_output=True,
        text=True,
        env=tool_env(),
    )
    return out.stdout.strip() or "?"


# -- weightscan ------------------------------------------------------------------------------


def _weightscan_cmd(path: Path, scratch: Path) -> list[str]:
    return [sys.executable, "-m", "weightscan", "scan", "--format", "json", str(path)]


def _weightscan_classify(run: Run, scratch: Path) -> str:
    if run.timed_out:
        return TIMEOUT
    try:
        verdict = json.loads(run.stdout)["verdict"]
    except (ValueError, KeyError, TypeError):
        return ERROR
    return {"malicious": MALICIOUS, "suspicious": SUSPICIOUS, "clean": CLEAN}.get(verdict, ERROR)


# -- picklescan: text summary, exit 0 clean / 1 dangerous / 2 scan failed ----------------------


def _count(pattern: str, text: str) -> int:
    m = re.search(pattern + r":\s*(\d+)", text)
    return int(m.group(1)) if m else 0


def _picklescan_classify(run: Run, scratch: Path) -> str:
    if run.timed_out:
        return TIMEOUT
    text = run.stdout + run.stderr
    if run.returncode == 1 or _count("Dangerous globals", text) or _count("Infected files", text):
        return MALICIOUS
    if _count("Suspicious globals", text):
        return SUSPICIOUS
    if run.returncode == 2 or run.returncode not in (0, 1):
        return ERROR
    if "Scanned files: 0" in text:
        return SKIPPED
    return CLEAN


# -- modelscan: JSON report file, exit 0 / 1 issues / 2 error / 3 nothing scanned -----------------


def _modelscan_classify(run: Run, scratch: Path) -> str:
    if run.timed_out:
        return TIMEOUT
    report = _load_json(scratch / "modelscan.json")
    severities = {i.get("severity") for i in (report or {}).get("issues", [])}
    if severities & {"CRITICAL", "HIGH"}:
        return MALICIOUS
    if severities & {"MEDIUM", "LOW"}:
        return SUSPICIOUS
    if (report or {}).get("errors"):  # e.g. a parse error: reported, nothing flagged
        return ERROR
    if run.returncode == 3:
        return SKIPPED
    if run.returncode != 0:
        return ERROR
    scanned = ((report or {}).get("summary") or {}).get("scanned") or {}
    if report is not None and not scanned.get("total_scanned"):
        return SKIPPED
    return CLEAN


# -- ModelAudit: JSON on stdout, issues graded critical / warning / info -------------------------


def _modelaudit_classify(run: Run, scratch: Path) -> str:
    if run.timed_out:
        return TIMEOUT
    report = _first_json(run.stdout)
    severities = {str(i.get("severity", "")).lower() for i in (report or {}).get("issues", [])}
    if "critical" in severities:
        return MALICIOUS
    if "warning" in severities:
        return SUSPICIOUS
    if run.returncode == 2:
        return ERROR
    if run.returncode == 1:
        return SUSPICIOUS
    return CLEAN if run.returncode == 0 else ERROR


# -- fickling: --check-safety, JSON appended per pickle (may be several objects) -------------------

_FICKLING_BAD = {"OVERTLY_MALICIOUS", "LIKELY_OVERTLY_MALICIOUS"}
_FICKLING_WARN = {"LIKELY_UNSAFE", "SUSPICIOUS", "POSSIBLY_UNSAFE"}


def _fickling_classify(run: Run, scratch: Path) -> str:
    if run.timed_out:
        return TIMEOUT
    try:
        text = (scratch / "fickling.json").read_text(errors="replace")
    except OSError:
        text = ""
    severities = {str(doc.get("severity")) for doc in _all_json(text)}
    if severities & _FICKLING_BAD:
        return MALICIOUS
    if severities & _FICKLING_WARN:
        return SUSPICIOUS
    if "no pickle" in (run.stdout + run.stderr).lower():
        return SKIPPED
    if run.returncode == 1:
        return SUSPICIOUS
    if run.returncode != 0:
        return ERROR
    return CLEAN


def _fickling_cmd(tool: Tool) -> Callable[[Path, Path], list[str]]:
    def cmd(path: Path, scratch: Path) -> list[str]:
        out = scratch / "fickling.json"
        out.unlink(missing_ok=True)  # fickling appends to this file
        return [tool.bin("fickling"), "--check-safety", "--json-output", str(out), str(path)]

    return cmd


# -- JSON helpers --------------------------------------------------------------------------------


def _load_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(errors="replace"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _all_json(text: str) -> list[dict[str, Any]]:
    """Every JSON object in ``text`` (fickling writes them back to back)."""
    decoder = json.JSONDecoder()
    docs: list[dict[str, Any]] = []
    pos = 0
    while True:
        start = text.find("{", pos)
        if start == -1:
            return docs
        try:
            doc, pos = decoder.raw_decode(text, start)
        except ValueError:
            pos = start + 1
            continue
        if isinstance(doc, dict):
            docs.append(doc)


def _first_json(text: str) -> dict[str, Any] | None:
    docs = _all_json(text)
    return docs[0] if docs else None


# -- the line-up ---------------------------------------------------------------------------------


def weightscan_tool() -> Tool:
    from weightscan.scanner import ENGINE_VERSION

    return Tool("weightscan", (), _weightscan_cmd, _weightscan_classify, version=ENGINE_VERSION)


def peer_tools() -> list[Tool]:
    picklescan = Tool("picklescan", ("picklescan", "numpy"), lambda p, s: [], _picklescan_classify)
    picklescan.command = lambda p, s: [picklescan.bin("picklescan"), "-p", str(p)]
    modelscan = Tool("modelscan", ("modelscan",), lambda p, s: [], _modelscan_classify)
    modelscan.command = lambda p, s: [
        modelscan.bin("modelscan"),
        "-p",
        str(p),
        "-r",
        "json",
        "-o",
        str(s / "modelscan.json"),
    ]
    modelaudit = Tool("modelaudit", ("modelaudit",), lambda p, s: [], _modelaudit_classify)
    modelaudit.command = lambda p, s: [
        modelaudit.bin("modelaudit"),
        "scan",
        "--format",
        "json",
        "--no-cache",
        str(p),
    ]
    # fickling 0.1.12 imports typing_extensions without declaring it
    fickling = Tool(
        "fickling", ("fickling", "typing_extensions"), lambda p, s: [], _fickling_classify
    )
    fickling.command = _fickling_cmd(fickling)
    return [picklescan, modelscan, modelaudit, fickling]


def prepare_scratch(base: Path, tool: Tool) -> Path:
    scratch = base / f"scratch-{tool.name}"
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "modelscan.json").unlink(missing_ok=True)
    return scratch


def env_for(tool: Tool) -> Mapping[str, str]:
    env = tool_env()
    if not tool.packages:  # weightscan runs from this checkout
        env["PYTHONPATH"] = str(REPO_ROOT)
    return env
