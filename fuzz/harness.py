"""One fuzzing process for one target: ``python3 -m fuzz.harness TARGET [options]``.

With atheris (the default when installed) the scanner is instrumented for coverage and
libFuzzer drives it: every argument after the target goes to libFuzzer (``-runs=``,
``-max_total_time=``, corpus directories, ``-artifact_prefix=``...). With
``--engine mutate`` a seeded in-process mutator runs instead (no coverage guidance):
``--seconds``, ``--seed``, ``--corpus DIR``, ``--crashes DIR``. Both end by printing
``stat::number_of_executed_units: N`` so fuzz/runner.py reads either the same way.

The contract check itself is ``fuzz.targets.check``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import pkgutil
import random
import resource
import signal
import sys
import time
import traceback
from pathlib import Path
from types import FrameType

SLOW_ENV = "WEIGHTSCAN_FUZZ_SLOW_SECONDS"
MAX_LEN = 64 * 1024
RSS_LIMIT_MB = 2048


def import_scanner() -> None:
    """Import every scanner module now (analyzers are otherwise imported lazily)."""
    import weightscan.scanner as scanner

    for info in pkgutil.walk_packages(scanner.__path__, "weightscan.scanner."):
        importlib.import_module(info.name)


def _slow_seconds() -> float:
    from fuzz.targets import SLOW_SECONDS

    return float(os.environ.get(SLOW_ENV, SLOW_SECONDS))


# Modules whose coverage guides each target. Instrumenting costs seconds of start-up
# per module, so each target instruments only the parsers it aims at.
GUIDED: dict[str, tuple[str, ...]] = {
    "pickle": ("weightscan.scanner.pickle",),
    "legacy_torch": ("weightscan.scanner.pickle",),
    "npy": ("weightscan.scanner.pickle",),
    "zip": ("weightscan.scanner.containers", "weightscan.scanner.sniff"),
    "sniff": (
        "weightscan.scanner.containers",
        "weightscan.scanner.sniff",
        "weightscan.scanner.pickle.probe",
    ),
    "safetensors": ("weightscan.scanner.safetensors",),
    "gguf": ("weightscan.scanner.gguf",),
    "template": ("weightscan.scanner.templates",),
    "template_json": ("weightscan.scanner.templates",),
    "keras": ("weightscan.scanner.keras", "weightscan.scanner.hdf5"),
    "hdf5": ("weightscan.scanner.hdf5", "weightscan.scanner.keras"),
    "nemo_config": ("weightscan.scanner.nemo",),
    "wordvec": ("weightscan.scanner.embeddings", "weightscan.scanner.sniff"),
    "msgpack": ("weightscan.scanner.msgpack_format",),
    "onnx": ("weightscan.scanner.onnx", "weightscan.scanner.protobuf"),
    "tensorflow": ("weightscan.scanner.tensorflow", "weightscan.scanner.protobuf"),
    "tflite": ("weightscan.scanner.tflite",),
    "coreml": ("weightscan.scanner.coreml", "weightscan.scanner.protobuf"),
    "yaml_config": ("weightscan.scanner.yamlconfig", "weightscan.scanner.nemo.targets"),
    "ubjson": ("weightscan.scanner.ubjson",),
    "json_config": (
        "weightscan.scanner.jsontext",
        "weightscan.scanner.pycode.loader_configs",
        "weightscan.scanner.pycode.automap",
        "weightscan.scanner.templates.textfiles",
    ),
    "modules_json": ("weightscan.scanner.jsontext", "weightscan.scanner.pycode.loader_configs"),
}
_UNGUIDED = ("rules", "policy_data", "vocabulary")  # tables, not logic


def scanner_modules() -> list[str]:
    """Every module name under scanner/, found on disk (nothing is imported)."""
    root = Path(__file__).resolve().parent.parent / "weightscan" / "scanner"
    names = []
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(names)


def unguided_modules(target_name: str) -> list[str]:
    guided = GUIDED[target_name]
    return [
        m
        for m in scanner_modules()
        if not any(m == g or m.startswith(g + ".") for g in guided)
        or m.rsplit(".", 1)[-1] in _UNGUIDED
    ]


def run_atheris(target_name: str, libfuzzer_args: list[str]) -> None:
    import atheris

    with atheris.instrument_imports(
        include=["weightscan.scanner"], exclude=unguided_modules(target_name)
    ):
        import_scanner()
    from fuzz.targets import TARGETS, check

    target, slow = TARGETS[target_name], _slow_seconds()
    calls = 0

    def one_input(data: bytes) -> None:
        nonlocal calls
        check(target, data, slow_seconds=slow)
        calls += 1
        if calls % 256 == 1:
            report_peak_rss()

    atheris.Setup([sys.argv[0], *libfuzzer_args], one_input)
    atheris.Fuzz()


_peak_reported = 0


def vmhwm_mb() -> int:
    """This process image's peak RSS. libFuzzer's own figure (ru_maxrss) also counts the
    parent that forked us, which is large when that parent is pytest."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def report_peak_rss() -> None:
    """Print the peak RSS when it grew (libFuzzer exits without running Python atexit)."""
    global _peak_reported
    peak = vmhwm_mb()
    if peak > _peak_reported:
        _peak_reported = peak
        print(f"stat::vmhwm_mb: {peak}", file=sys.stderr, flush=True)


class _Hang(Exception):
    pass


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise _Hang("input still running at the hang timeout")


def run_mutate(
    target_name: str,
    seconds: float,
    seed: int,
    corpus_dir: Path,
    crash_dir: Path,
    hang_seconds: int,
) -> int:
    """The fallback engine; returns the number of inputs that broke the contract."""
    import_scanner()
    from fuzz.mutate import mutate
    from fuzz.targets import TARGETS, check

    target, slow = TARGETS[target_name], _slow_seconds()
    corpus = [p.read_bytes() for p in sorted(corpus_dir.iterdir()) if p.is_file()] or [b""]
    rng = random.Random(seed)
    signal.signal(signal.SIGALRM, _alarm)
    crash_dir.mkdir(parents=True, exist_ok=True)
    execs = crashes = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = (
            corpus[execs]
            if execs < len(corpus)
            else mutate(rng.choice(corpus), rng, corpus, MAX_LEN)
        )
        execs += 1
        signal.alarm(hang_seconds)
        try:
            check(target, data, slow_seconds=slow)
        except _Hang:
            crashes += _save(crash_dir, f"{target_name}-timeout-", data, traceback.format_exc())
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            crashes += _save(crash_dir, f"{target_name}-crash-", data, traceback.format_exc())
        finally:
            signal.alarm(0)
        rss_mb = vmhwm_mb()
        if rss_mb > RSS_LIMIT_MB:
            crashes += _save(crash_dir, f"{target_name}-oom-", data, f"peak RSS {rss_mb} MB")
            break
    print(f"stat::number_of_executed_units: {execs}", file=sys.stderr)
    report_peak_rss()
    return crashes


def _save(crash_dir: Path, prefix: str, data: bytes, why: str) -> int:
    path = crash_dir / (prefix + hashlib.sha1(data).hexdigest())
    path.write_bytes(data)
    print(f"=== contract broken, input written to {path}\n{why}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--engine" in argv and argv[argv.index("--engine") + 1] == "mutate":
        p = argparse.ArgumentParser(prog="python3 -m fuzz.harness")
        p.add_argument("target")
        p.add_argument("--engine", default="mutate")
        p.add_argument("--seconds", type=float, default=10.0)
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--corpus", type=Path, required=True)
        p.add_argument("--crashes", type=Path, required=True)
        p.add_argument("--hang-seconds", type=int, default=20)
        a = p.parse_args(argv)
        return (
            1 if run_mutate(a.target, a.seconds, a.seed, a.corpus, a.crashes, a.hang_seconds) else 0
        )
    run_atheris(argv[0], argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
