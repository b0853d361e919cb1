"""ONNX, TensorFlow SavedModel and TFLite: scan time stays flat in the size of the weights.

    python -m bench.bench_protobuf [--dir DIR] [--runs 5]

Builds (sparse, so the disk cost is small):

* an ONNX model with 2 GiB of external data: 512 initializers of 4 MiB in one
  ``model.onnx.data`` file, 2,000 nodes; the folder is scanned (model + data file);
* an ONNX model of 256 MiB with inline ``raw_data`` (the bytes are skipped by length);
* a SavedModel graph of 50,000 nodes and 500 library functions;
* a TFLite model with 10,000 buffers.

Each is scanned in-process with ``scan_path`` (median of ``--runs`` after one warm-up).
Target from issue 11: the 2 GB ONNX model with external data well under a second.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.fixtures.flatbuffer_builder import tflite_model
from tests.fixtures.protobuf_builder import f, msg, packed, tag, varint
from tests.fixtures.tensorflow_builder import benign_graph, function, node, saved_model
from weightscan.scanner import scan_path

MiB = 1 << 20


def _tensor(name: str, count: int, *extra: bytes) -> bytes:
    return msg(packed(1, [count]), f(2, 1), f(8, name), *extra)


def _onnx(initializers: list[bytes], nodes: int) -> bytes:
    body = [f(1, msg(f(1, f"t{i}"), f(2, f"t{i + 1}"), f(4, "Relu"))) for i in range(nodes)]
    graph = msg(*body, f(2, "bench"), *(f(5, t) for t in initializers))
    return msg(f(1, 8), f(2, "bench"), f(7, graph), f(8, msg(f(2, 17))))


def onnx_external_2gib(folder: Path) -> Path:
    folder.mkdir()
    size = 4 * MiB
    inits = [
        _tensor(
            f"w{i}",
            size // 4,
            f(13, msg(f(1, "location"), f(2, "model.onnx.data"))),
            f(13, msg(f(1, "offset"), f(2, str(i * size)))),
            f(13, msg(f(1, "length"), f(2, str(size)))),
            f(14, 1),
        )
        for i in range(512)
    ]
    (folder / "model.onnx").write_bytes(_onnx(inits, 2000))
    with (folder / "model.onnx.data").open("wb") as fh:
        fh.truncate(512 * size)
    return folder


def onnx_inline_256mib(folder: Path) -> Path:
    """64 initializers of 4 MiB each, their raw_data left as holes in a sparse file."""
    folder.mkdir()
    size = 4 * MiB
    pieces: list[bytes | int] = []  # bytes are written, ints are holes of that many bytes
    for i in range(64):
        inner = msg(packed(1, [size // 4]), f(2, 1), f(8, f"w{i}")) + tag(9, 2) + varint(size)
        pieces += [tag(5, 2) + varint(len(inner) + size) + inner, size]
    graph_len = sum(p if isinstance(p, int) else len(p) for p in pieces)
    with (folder / "model.onnx").open("wb") as fh:
        fh.write(f(1, 8) + tag(7, 2) + varint(graph_len))
        for piece in pieces:
            if isinstance(piece, int):
                fh.seek(piece, 1)
            else:
                fh.write(piece)
        fh.truncate(fh.tell())
    return folder


def saved_model_50k(folder: Path) -> Path:
    folder.mkdir()
    nodes = [node(f"n{i}", "MatMul", inputs=(f"n{i - 1}",)) for i in range(50_000)]
    functions = tuple(function(f"f{i}", node("a", "Relu"), node("b", "Add")) for i in range(500))
    (folder / "saved_model.pb").write_bytes(saved_model(benign_graph(*nodes, functions=functions)))
    return folder


def tflite_10k_buffers(folder: Path) -> Path:
    folder.mkdir()
    buffers = [(b"\1" * 16, 0, 0)] * 10_000
    (folder / "model.tflite").write_bytes(tflite_model([0, 3], buffers=buffers))
    return folder


CASES: tuple[tuple[str, Callable[[Path], Path]], ...] = (
    ("ONNX, 2 GiB external data (folder)", onnx_external_2gib),
    ("ONNX, 256 MiB inline raw_data", onnx_inline_256mib),
    ("SavedModel, 50k nodes", saved_model_50k),
    ("TFLite, 10k buffers", tflite_10k_buffers),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        print("| case | verdict | files | median s | max s |")
        print("|---|---|---|---|---|")
        for i, (label, build) in enumerate(CASES):
            target = build(Path(tmp) / f"case{i}")
            scan_path(target)
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                report = scan_path(target)
                times.append(time.perf_counter() - started)
            print(
                f"| {label} | {report.verdict.value} | {len(report.files)} | "
                f"{statistics.median(times):.3f} | {max(times):.3f} |"
            )


if __name__ == "__main__":
    main()
