"""Fuzz targets: one per parser, each checking the scanner's contract on one input.

The contract, for any bytes: ``scanner.scan_stream`` returns a ``ScanReport`` with one
file; no exception escapes; no finding is ``scanner.internal-error`` (that is a scanner
bug caught by dispatch, so a fuzzer must treat it as a crash); the input is analysed
within ``slow_seconds``. A mutated input may stop sniffing as the target's format, so
each target also forces its own analyzer on the same bytes (through dispatch, the same
fail-closed path scan_stream uses) to keep the fuzzer inside the parser it aims at.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from weightscan.scanner import ScanReport, scan_stream
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.limits import MiB, ScanLimits
from weightscan.scanner.model import Finding
from weightscan.scanner.sniff import sniff_format
from weightscan.scanner.source import Source

INTERNAL_ERROR = "scanner.internal-error"
SLOW_SECONDS = 2.0  # per input under 64 KB (issue 6)

# Default limits, except a decompression budget sized for 64 KB inputs: nested
# compression can legitimately expand them by the ratio limit at every level.
FUZZ_LIMITS = ScanLimits(max_decompressed_bytes=256 * MiB, max_seconds=30.0)


class ContractViolation(AssertionError):
    """The scanner broke its contract on an input (the fuzzer saves the input)."""


@dataclass(frozen=True)
class Target:
    name: str
    parser: str  # what it exercises, for humans
    file_name: str  # display name given to the scanner (some rules look at it)
    forced: Format | None  # analyzer forced on the same bytes when sniffing disagrees
    wrap: Callable[[bytes], bytes] = bytes  # fuzz bytes -> file content


def _template_file(data: bytes) -> bytes:
    from fuzz.seeds import gguf_with_template

    return gguf_with_template(data)


def _tokenizer_config(data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    return json.dumps({"tokenizer_class": "X", "chat_template": text}).encode()


def _nemo_archive(data: bytes) -> bytes:
    from tests.fixtures.archives import make_tar

    return make_tar([("./model_config.yaml", data)])


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target(
            "pickle", "pickle engine (all protocols, joblib arrays)", "model.pkl", Format.PICKLE
        ),
        Target("zip", "zip reader, torch zip layout, npz, members", "model.pt", Format.ZIP),
        Target(
            "legacy_torch",
            "legacy torch stream (five pickles + storages)",
            "model.bin",
            Format.PYTORCH_LEGACY,
        ),
        Target("npy", "numpy .npy header and object arrays", "array.npy", Format.NUMPY),
        Target(
            "safetensors",
            "safetensors header validator and hidden bytes",
            "model.safetensors",
            Format.SAFETENSORS,
        ),
        Target("gguf", "GGUF v1-3 reader", "model.gguf", Format.GGUF),
        Target(
            "template",
            "chat-template analysis (jinja2 parse, tree walk), via GGUF",
            "model.gguf",
            None,
            _template_file,
        ),
        Target(
            "template_json",
            "chat-template analysis, via tokenizer_config.json",
            "tokenizer_config.json",
            None,
            _tokenizer_config,
        ),
        Target("sniff", "content sniffing, compressed streams, tar, plain files", "upload", None),
        Target("keras", "Keras 3 .keras archive and its config.json", "model.keras", Format.ZIP),
        Target("hdf5", "HDF5 root attributes, Keras 2 model_config", "model.h5", Format.HDF5),
        Target(
            "nemo_config",
            "NeMo model_config.yaml (safe composer, _target_), in a .nemo tar",
            "model.nemo",
            None,
            _nemo_archive,
        ),
        Target("wordvec", "fastText and word2vec binaries", "vectors.bin", None),
        Target("msgpack", "Flax msgpack walker", "flax_model.msgpack", Format.MSGPACK),
        Target("onnx", "ONNX ModelProto walk (protobuf wire reader)", "model.onnx", Format.ONNX),
        Target(
            "tensorflow", "TF SavedModel / GraphDef walk", "saved_model.pb", Format.TF_SAVED_MODEL
        ),
        Target("tflite", "TFLite flatbuffer walk", "model.tflite", Format.TFLITE),
        Target("coreml", "CoreML Model spec walk", "model.mlmodel", Format.COREML),
        Target(
            "yaml_config",
            "YAML configs (bounded composer, HyperPyYAML/Python tags, Hydra targets)",
            "hyperparams.yaml",
            None,
        ),
        Target("ubjson", "UBJSON walk (XGBoost .ubj)", "model.ubj", Format.UBJSON),
        Target(
            "json_config",
            "JSON configs: escaped-key search, auto_map, custom_pipelines, PEFT, templates",
            "config.json",
            None,
        ),
        Target(
            "modules_json",
            "sentence-transformers modules.json and diffusers model_index.json checks",
            "modules.json",
            None,
        ),
    )
}


def internal_errors(findings: tuple[Finding, ...] | list[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule_id == INTERNAL_ERROR]


def scan_forced(
    data: bytes, fmt: Format, name: str, limits: ScanLimits = FUZZ_LIMITS
) -> list[Finding]:
    """Run ``fmt``'s analyzer on ``data`` through dispatch, as if sniffing had chosen it."""
    ctx = ScanContext.for_file(limits)
    analyze(Source(io.BytesIO(data), name=name), ctx, fmt)
    return list(ctx.state.findings)


def check(
    target: Target,
    data: bytes,
    *,
    slow_seconds: float = SLOW_SECONDS,
    limits: ScanLimits = FUZZ_LIMITS,
) -> ScanReport:
    """Scan ``data`` as ``target`` and raise ``ContractViolation`` on any breach."""
    content = target.wrap(data)
    started = time.monotonic()
    report = scan_stream(io.BytesIO(content), name=target.file_name, limits=limits)
    if not isinstance(report, ScanReport) or len(report.files) != 1:
        raise ContractViolation(f"scan_stream returned {type(report).__name__}")
    file = report.files[0]
    bad = internal_errors(file.findings)
    if bad:
        raise ContractViolation(f"{target.name}: {bad[0].message}")
    if file.verdict.value == "error":
        raise ContractViolation(f"{target.name}: verdict error without internal-error")
    if target.forced is not None and sniff_format(Source(io.BytesIO(content))) != target.forced:
        bad = internal_errors(scan_forced(content, target.forced, target.file_name, limits))
        if bad:
            raise ContractViolation(f"{target.name} (forced {target.forced}): {bad[0].message}")
    elapsed = time.monotonic() - started
    if elapsed > slow_seconds and len(data) < 64 * 1024:
        raise ContractViolation(
            f"{target.name}: {len(data)}-byte input took {elapsed:.2f} s (budget {slow_seconds} s)"
        )
    return report
