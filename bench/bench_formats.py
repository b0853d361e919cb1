"""Safetensors and GGUF: validation speed, memory and detection, beside ModelAudit and modelscan.

    python -m bench.bench_formats [--dir DIR] [--runs 5] [--no-peers] [--peer-timeout 300]

Builds (sparse where possible, so the disk cost is small):

* a 2 GB safetensors file (header written, then the file extended to size);
* a safetensors file with a 10,000-tensor header;
* a ~1 GB GGUF with a 150k-token vocabulary (tokens, scores, token types, merges), a chat
  template and 72 tensors, Q4_K and F32 (sparse data region);
* a 1 GiB Keras 3 ``.keras`` archive (stored, sparse ``model.weights.h5``);
* small malformed / malicious samples of both formats (lying header, overlapping
  tensors, trailing pickle, SSTI chat template, overflowing KV count, too many dims).

weightscan is timed in a fresh subprocess (median of ``--runs`` scans of the file after
one warm-up, peak RSS above the interpreter with scanner imported). Peers run their CLI
once per file from bench/.venvs/<tool> when present (``bench.peers``), skipped otherwise.
Targets from the issue: 2 GB safetensors <= 20 ms, 10k-tensor header <= 150 ms, 1 GB
GGUF/150k vocab <= 0.5 s and <= 100 MB above the interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
GiB = 1 << 30

# -- safetensors ---------------------------------------------------------------------------------


def _safetensors(
    header: dict[str, object], data_size: int, path: Path, data: bytes = b"", extra: bytes = b""
) -> Path:
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with path.open("wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + data)
        f.truncate(8 + len(raw) + data_size)  # sparse: no data blocks are written
        f.seek(0, os.SEEK_END)
        f.write(extra)
    return path


def safetensors_2gb(path: Path) -> Path:
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    pos = 0
    for i in range(8):  # 8 x 256 MiB of F32
        size = 8192 * 8192 * 4
        header[f"model.layers.{i}.mlp.weight"] = {
            "dtype": "F32",
            "shape": [8192, 8192],
            "data_offsets": [pos, pos + size],
        }
        pos += size
    return _safetensors(header, pos, path)


def safetensors_10k(path: Path) -> Path:
    header: dict[str, object] = {"__metadata__": {"format": "pt", "source": "bench"}}
    pos = 0
    for i in range(10_000):
        size = 64 * 2
        header[f"model.layers.{i // 10}.block.{i % 10}.self_attn.q_proj.weight"] = {
            "dtype": "BF16",
            "shape": [8, 8],
            "data_offsets": [pos, pos + size],
        }
        pos += size
    return _safetensors(header, pos, path)


# -- GGUF ----------------------------------------------------------------------------------------

STRING, ARRAY, U32, F32, I32 = 8, 9, 4, 6, 5
TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
SSTI = "{{ cycler.__init__.__globals__.os.popen('touch /tmp/weightscan-bench').read() }}"


def _s(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw


def _kv(key: str, vtype: int, payload: bytes) -> bytes:
    return _s(key) + struct.pack("<I", vtype) + payload


def _string_array(items: list[str]) -> bytes:
    return struct.pack("<IQ", STRING, len(items)) + b"".join(_s(t) for t in items)


def gguf_file(
    path: Path,
    *,
    vocab: int,
    layers: int,
    template: str = TEMPLATE,
    kv_count: int | None = None,
    trailing: bytes = b"",
    n_dims: int | None = None,
) -> Path:
    tokens = [f"tok{i:06d}" for i in range(vocab)]
    kvs = [
        _kv("general.architecture", STRING, _s("llama")),
        _kv("general.name", STRING, _s("bench")),
        _kv("llama.context_length", U32, struct.pack("<I", 8192)),
        _kv("tokenizer.ggml.model", STRING, _s("gpt2")),
        _kv("tokenizer.ggml.tokens", ARRAY, _string_array(tokens)),
        _kv("tokenizer.ggml.scores", ARRAY, struct.pack("<IQ", F32, vocab) + bytes(4 * vocab)),
        _kv(
            "tokenizer.ggml.token_type",
            ARRAY,
            struct.pack("<IQ", I32, vocab) + struct.pack("<i", 1) * vocab,
        ),
        _kv("tokenizer.ggml.merges", ARRAY, _string_array([f"t{i} k{i}" for i in range(vocab)])),
        _kv("tokenizer.chat_template", STRING, _s(template)),
    ]
    infos, offset = [], 0
    q4k_block, q4k_size = 256, 144
    for layer in range(layers):
        for name, dims in (
            ("attn_q", (4096, 4096)),
            ("attn_k", (4096, 1024)),
            ("attn_v", (4096, 1024)),
            ("attn_output", (4096, 4096)),
            ("ffn_gate", (4096, 14336)),
            ("ffn_up", (4096, 14336)),
            ("ffn_down", (14336, 4096)),
            ("attn_norm", (4096,)),
            ("ffn_norm", (4096,)),
        ):
            shape = dims if n_dims is None else dims + (1,) * (n_dims - len(dims))
            is_norm = len(dims) == 1
            elements = 1
            for d in dims:
                elements *= d
            nbytes = elements * 4 if is_norm else elements // q4k_block * q4k_size
            infos.append(
                _s(f"blk.{layer}.{name}.weight")
                + struct.pack("<I", len(shape))
                + b"".join(struct.pack("<Q", d) for d in shape)
                + struct.pack("<IQ", 0 if is_norm else 12, offset)
            )
            offset += -(-nbytes // 32) * 32
    head = b"GGUF" + struct.pack("<IQQ", 3, len(infos), len(kvs) if kv_count is None else kv_count)
    body = head + b"".join(kvs) + b"".join(infos)
    body += bytes(-len(body) % 32)
    with path.open("wb") as f:
        f.write(body)
        f.truncate(len(body) + offset)
        f.seek(0, os.SEEK_END)
        f.write(trailing)
    return path


# -- samples -------------------------------------------------------------------------------------

PICKLE = (
    b"\x80\x04\x95\x1d\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94\x8c\x06system"
    b"\x94\x93\x8c\x0ctouch /tmp/x\x94\x85\x94R\x94."
)


def keras_1gb(path: Path) -> Path:
    """A Keras 3 archive whose model.weights.h5 is 1 GiB (sparse), as keras.saving stores it."""
    from tests.fixtures.keras_builder import keras3_sequential, sparse_keras_archive

    sparse_keras_archive(str(path), keras3_sequential(), GiB)
    return path


def build_samples(d: Path) -> dict[str, tuple[Path, str]]:
    """name -> (path, expected): 'benign', 'suspicious' or 'malicious'."""
    one = {"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}
    overlap = {
        "a": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]},
        "b": {"dtype": "U8", "shape": [8], "data_offsets": [4, 12]},
    }
    samples: dict[str, tuple[Path, str]] = {
        "st-benign-official": (_official_safetensors(d / "official.safetensors"), "benign"),
        "st-trailing-pickle": (
            _safetensors(one, 16, d / "trailing.safetensors", extra=PICKLE),
            "malicious",
        ),
        "st-overlap": (_safetensors(overlap, 12, d / "overlap.safetensors"), "suspicious"),
        "st-size-lie": (
            _safetensors(
                {"w": {"dtype": "F32", "shape": [1 << 20], "data_offsets": [0, 16]}},
                16,
                d / "sizelie.safetensors",
            ),
            "suspicious",
        ),
        "gguf-benign-official": (_official_gguf(d / "official.gguf"), "benign"),
        "gguf-ssti-template": (
            gguf_file(d / "ssti.gguf", vocab=100, layers=1, template=SSTI),
            "malicious",
        ),
        "gguf-kv-count-overflow": (
            gguf_file(d / "kvcount.gguf", vocab=100, layers=1, kv_count=1 << 60),
            "malicious",
        ),
        "gguf-too-many-dims": (
            gguf_file(d / "dims.gguf", vocab=100, layers=1, n_dims=6),
            "malicious",
        ),
        "gguf-trailing-pickle": (
            gguf_file(d / "trailing.gguf", vocab=100, layers=1, trailing=PICKLE),
            "malicious",
        ),
    }
    return {k: v for k, v in samples.items() if v[0] is not None}


def _official_safetensors(path: Path) -> Path:
    import numpy as np
    from safetensors.numpy import save_file

    save_file({"w": np.ones((16, 16), np.float32), "b": np.zeros(16, np.float16)}, str(path))
    return path


def _official_gguf(path: Path) -> Path:
    import gguf
    import numpy as np

    w = gguf.GGUFWriter(str(path), "llama")
    w.add_context_length(2048)
    w.add_token_list([f"t{i}" for i in range(256)])
    w.add_chat_template(TEMPLATE)
    w.add_tensor("a", np.ones((32, 32), np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


# -- measuring weightscan ------------------------------------------------------------------------

_PROBE = r"""
import json, resource, statistics, sys, time, tracemalloc
import weightscan.scanner as scanner
from weightscan.scanner.api import scan_file
path, runs = sys.argv[1], int(sys.argv[2])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
report = scan_file(path)  # warm-up: imports the analyzers, fills the page cache
times, cpu = [], []
for _ in range(runs):
    t, c = time.perf_counter(), time.process_time()
    scan_file(path)
    times.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
tracemalloc.start(); scan_file(path); traced = tracemalloc.get_traced_memory()[1]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"median": statistics.median(times), "cpu": statistics.median(cpu),
                  "rss_above_kib": peak - base,
                  "traced_peak": traced, "verdict": report.verdict.value,
                  "findings": sorted({f.rule_id for f in report.findings})}))
"""


def measure_weightscan(path: Path, runs: int) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), str(runs)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=600,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run_peers(
    paths: dict[str, Path], timeout: float, work: Path
) -> tuple[list[str], dict[str, dict[str, tuple[str, float, int | None]]]]:
    """{sample: {tool: (verdict, seconds, peak rss)}} for the peers whose venv exists."""
    try:
        from bench.measure import run_measured
        from bench.peers import env_for, peer_tools, prepare_scratch
    except ImportError:
        return [], {}
    tools = [
        t
        for t in peer_tools()
        if t.name in ("modelaudit", "modelscan") and (t.venv / "bin" / t.name).exists()
    ]
    results: dict[str, dict[str, tuple[str, float, int | None]]] = {}
    for name, path in paths.items():
        for tool in tools:
            scratch = prepare_scratch(work, tool)
            run = run_measured(tool.command(path, scratch), timeout=timeout, env=env_for(tool))
            results.setdefault(name, {})[tool.name] = (
                tool.classify(run, scratch),
                run.seconds,
                run.peak_rss_bytes,
            )
    return [t.name for t in tools], results


# -- report --------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _mb(n: int | None) -> str:
    return "-" if n is None else f"{n / (1 << 20):.0f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="where to build the files (default: a temp dir)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--peer-timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-formats-") as tmp:
        work = args.dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        big: dict[str, tuple[Callable[[Path], Path], str, float, int | None]] = {
            "safetensors 2 GB (8 tensors)": (safetensors_2gb, "st2g.safetensors", 0.020, None),
            "safetensors 10,000-tensor header": (safetensors_10k, "st10k.safetensors", 0.150, None),
            "GGUF ~1 GB, 150k vocab": (
                lambda p: gguf_file(p, vocab=150_000, layers=8),
                "g1g.gguf",
                0.5,
                100 << 20,
            ),
            "Keras 3 .keras 1 GB (stored weights .h5)": (keras_1gb, "k1g.keras", 0.1, None),
        }
        load = os.getloadavg()[0]
        print(
            f"## Performance (weightscan: median of {args.runs} runs after warm-up; "
            f"{os.cpu_count()} CPUs, load average {load:.1f})\n"
        )
        print(
            "| file | size | median wall | median CPU | target | RSS above interpreter | verdict |"
        )
        print("|---|---|---|---|---|---|---|")
        perf_paths: dict[str, Path] = {}
        for label, (build, fname, target, mem_target) in big.items():
            path = build(work / fname)
            perf_paths[label] = path
            m = measure_weightscan(path, args.runs)
            rss = int(m["rss_above_kib"]) * 1024  # type: ignore[call-overload]
            wall, cpu = float(m["median"]), float(m["cpu"])  # type: ignore[arg-type]
            ok = "ok" if wall <= target else ("ok on CPU" if cpu <= target else "MISSED")
            mem = f" (target {_mb(mem_target)})" if mem_target else ""
            print(
                f"| {label} | {path.stat().st_size / GiB:.2f} GiB | {_ms(wall)} | "
                f"{_ms(cpu)} | {_ms(target)} ({ok}) | {_mb(rss)}{mem} | {m['verdict']} |"
            )
        samples = build_samples(work)
        print("\n## Detection\n")
        ws = {name: measure_weightscan(path, 1) for name, (path, _) in samples.items()}
        peer_names: list[str] = []
        peer_results: dict[str, dict[str, tuple[str, float, int | None]]] = {}
        if not args.no_peers:
            all_paths = {**{k: v[0] for k, v in samples.items()}, **perf_paths}
            peer_names, peer_results = run_peers(all_paths, args.peer_timeout, work)
        print("| sample | expected | weightscan | " + " | ".join(peer_names) + " |")
        print("|---|---|---|" + "---|" * len(peer_names))
        for name, (_, expected) in samples.items():
            cells = [str(ws[name]["verdict"])]
            cells += [peer_results.get(name, {}).get(t, ("-", 0, None))[0] for t in peer_names]
            print(f"| {name} | {expected} | " + " | ".join(cells) + " |")
        if peer_names:
            print("\n## Peers on the large files (one run each)\n")
            print("| file | tool | verdict | wall time | peak RSS |")
            print("|---|---|---|---|---|")
            for label in perf_paths:
                for tool in peer_names:
                    verdict, seconds, rss = peer_results.get(label, {}).get(tool, ("-", 0, None))
                    print(f"| {label} | {tool} | {verdict} | {seconds:.2f} s | {_mb(rss)} |")
        else:
            print("\n(peers skipped: no bench/.venvs/{modelaudit,modelscan} or --no-peers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
