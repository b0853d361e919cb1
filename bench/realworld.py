"""Real, harmless model files from pinned PyPI packages: how many does each scanner flag?

    python3 bench/realworld.py                    # weightscan only
    python3 bench/realworld.py --tools all        # and picklescan, modelscan, modelaudit, fickling
    python3 bench/realworld.py --per-package 60 --list-flagged

Wheels are downloaded with pip into a cache (``~/.cache/weightscan-bench`` or
``$WEIGHTSCAN_BENCH_CACHE``), never committed. Model-like files are extracted by extension,
keeping their folders (ONNX external data and joblib side-cars sit next to their model), up
to ``--per-package`` files per package and extension, chosen deterministically. Every one of
them ships inside a widely used package, so every flag is a false alarm unless the file is a
deliberately broken test fixture (the table lists those packages' files too, and
``--list-flagged`` prints each flagged file with its rules so they can be told apart).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make "bench" and "weightscan" importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.peers import CLEAN, MALICIOUS, Tool, ensure_venv, peer_tools
from bench.run import log, run_tool

# (requirement, why it is here). Pinned: the numbers must be comparable between runs.
PACKAGES: tuple[tuple[str, str], ...] = (
    ("onnx==1.17.0", "ONNX backend test models and TensorProto .pb files"),
    ("silero-vad==6.2.3", "TorchScript, ONNX and safetensors voice models"),
    ("facenet-pytorch==2.6.0", "pretrained PyTorch state dicts"),
    ("gensim==4.4.0", "word2vec/fastText binaries, pickled models, numpy side-cars"),
    ("joblib==1.4.2", "joblib pickles of every historic format, compressed and not"),
    ("numpy==2.1.3", "npy/npz test data, Python 2 pickles"),
    ("scipy==1.14.1", "npy/npz arrays"),
    ("mediapipe==0.10.21", "TFLite models"),
    ("h5py==3.12.1", "HDF5 files"),
)

# What model repositories hold, by file name ending (lower case).
MODEL_EXTENSIONS: tuple[str, ...] = (
    ".safetensors",
    ".gguf",
    ".onnx",
    ".pb",
    ".tflite",
    ".h5",
    ".hdf5",
    ".keras",
    ".pt",
    ".pth",
    ".bin",
    ".ckpt",
    ".jit",
    ".pkl",
    ".pickle",
    ".joblib",
    ".npy",
    ".npz",
    ".model",
    ".msgpack",
    ".mlmodel",
    ".ftz",
    ".vec",
    ".nemo",
    ".pkl.gz",
    ".pkl.bz2",
    ".pkl.xz",
    ".pkl.lzma",
    ".pkl.z",
    ".gz",
    ".bz2",
    ".xz",
)


@dataclass(frozen=True)
class RealFile:
    package: str
    path: Path
    kind: str  # the extension that selected it


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "weightscan-bench"
    return Path(os.environ.get("WEIGHTSCAN_BENCH_CACHE", default))


def download(requirement: str, wheels: Path) -> Path | None:
    name = requirement.split("==")[0].replace("-", "_").lower()
    version = requirement.split("==")[1]
    existing = [w for w in wheels.glob("*.whl") if w.name.lower().startswith(f"{name}-{version}-")]
    if existing:
        return existing[0]
    log(f"downloading {requirement}")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(wheels),
            requirement,
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        log(f"  could not download {requirement}: {proc.stderr.strip()[-300:]}")
        return None
    return download(requirement, wheels)


def kind_of(member: str) -> str | None:
    low = member.lower()
    return next((ext for ext in MODEL_EXTENSIONS if low.endswith(ext)), None)


def extract(wheel: Path, package: str, out: Path, per_kind: int) -> list[RealFile]:
    """Up to ``per_kind`` files of each extension, spread evenly over the sorted list."""
    with zipfile.ZipFile(wheel) as zf:
        by_kind: dict[str, list[str]] = defaultdict(list)
        for name in sorted(zf.namelist()):
            kind = kind_of(name)
            if kind and not name.endswith("/"):
                by_kind[kind].append(name)
        chosen: list[tuple[str, str]] = []
        for kind, names in sorted(by_kind.items()):
            step = max(1, len(names) // per_kind)
            chosen += [(kind, n) for n in names[::step][:per_kind]]
        names = set(zf.namelist())
        files = []
        for _, name in chosen:  # old joblib's side-cars (<name>_01.npy[.z]) go with it
            for n in (f"{name}_{i:02d}{ext}" for i in range(1, 100) for ext in (".npy", ".npy.z")):
                target = out / package / n
                if n in names and not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(zf.read(n))
        for kind, name in chosen:
            target = out / package / name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(name))
            files.append(RealFile(package, target, kind))
    return files


def weightscan_verdicts(files: Sequence[RealFile]) -> dict[Path, tuple[str, list[str]]]:
    """In process: one scan per file, as `weightscan scan FILE` would do it."""
    from weightscan.scanner import scan_file

    results = {}
    for f in files:
        report = scan_file(f.path)
        rules = sorted({x.rule_id for x in report.findings if x.severity.name != "INFO"})
        results[f.path] = (report.verdict.value, rules)
    return results


def table(
    files: Sequence[RealFile], tools: Sequence[str], verdicts: dict[tuple[str, Path], str]
) -> str:
    groups: dict[str, list[RealFile]] = defaultdict(list)
    for f in files:
        groups[f.kind].append(f)
    head = "| files | n | " + " | ".join(f"{t} not clean | {t} malicious" for t in tools) + " |"
    lines = [head, "|" + "---|" * (2 + 2 * len(tools))]
    rows = [*sorted(groups.items()), ("**all**", list(files))]
    for kind, members in rows:
        cells = []
        for t in tools:
            got = Counter(verdicts[t, f.path] for f in members)
            flagged = len(members) - got[CLEAN]
            cells += [f"{flagged} ({100 * flagged / len(members):.0f}%)", str(got[MALICIOUS])]
        lines.append(f"| {kind} | {len(members)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument(
        "--tools", default="", help="peers to add: comma-separated names, or 'all' (default: none)"
    )
    p.add_argument(
        "--per-package", type=int, default=40, help="files per package and extension (default 40)"
    )
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per peer invocation")
    p.add_argument(
        "--list-flagged",
        action="store_true",
        help="print every file weightscan does not call clean, with its rules",
    )
    return p.parse_args(argv)


def selected_peers(spec: str) -> list[Tool]:
    wanted = {t.strip() for t in spec.split(",") if t.strip()}
    return [t for t in peer_tools() if "all" in wanted or t.name in wanted]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    root = cache_dir()
    wheels, extracted = root / "wheels", root / "files"
    wheels.mkdir(parents=True, exist_ok=True)
    files: list[RealFile] = []
    for requirement, _why in PACKAGES:
        wheel = download(requirement, wheels)
        if wheel is not None:
            files += extract(wheel, requirement.split("==")[0], extracted, args.per_package)
    log(f"{len(files)} files from {len(PACKAGES)} packages")

    started = time.monotonic()
    ours = weightscan_verdicts(files)
    log(f"weightscan: {len(files)} files in {time.monotonic() - started:.1f} s")
    verdicts = {("weightscan", f.path): ours[f.path][0] for f in files}
    tools = ["weightscan"]
    with tempfile.TemporaryDirectory(prefix="weightscan-realworld-") as work:
        for tool in selected_peers(args.tools):
            if not ensure_venv(tool, log):
                continue
            started = time.monotonic()
            for f in files:
                verdicts[tool.name, f.path] = run_tool(
                    tool, f.path, Path(work), args.timeout
                ).verdict
            log(f"{tool.name}: {len(files)} files in {time.monotonic() - started:.1f} s")
            tools.append(tool.name)

    print(
        f"## Real files from {len(PACKAGES)} pinned packages "
        f"({time.strftime('%Y-%m-%d', time.gmtime())})\n"
    )
    print(table(files, tools, verdicts))
    print()
    by_package = Counter(f.package for f in files if ours[f.path][0] != CLEAN)
    print(
        "weightscan not clean, by package: "
        + (", ".join(f"{p} {n}" for p, n in by_package.most_common()) or "none")
    )
    if args.list_flagged:
        for f in files:
            verdict, rules = ours[f.path]
            if verdict != CLEAN:
                print(f"{verdict:10} {f.path.relative_to(extracted)}  {', '.join(rules)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
