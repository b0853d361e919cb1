"""Resource limits for one scan. Passed in by the caller; never read from the environment.

Every parser in ``scanner`` is bounded by one of these numbers. Reaching a limit is a
finding of its own (``limits.*``, severity medium, so the file is ``suspicious``): never
``clean``, and never ``malicious`` on that ground alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


@dataclass(frozen=True)
class ScanLimits:
    # Wall-clock budget per top-level file, seconds. Generous: a 90 MB opcode-dense
    # pickle takes a few seconds; anything slower is an attack on the scanner.
    max_seconds: float = 120.0
    # Pickle: opcodes per file (all pickles in it, all members). 16 M opcodes is an
    # ~90 MB dense pickle; real checkpoints' pickles are far smaller.
    max_pickle_opcodes: int = 50_000_000
    # Pickle: live memo entries; each costs a few hundred bytes of our memory.
    max_pickle_memo: int = 1_000_000
    # Pickle: symbolic stack depth (items + marks), bounds our memory.
    max_pickle_stack: int = 1_000_000
    # Pickle: nesting of containers/calls in a reconstructed value, bounds recursion.
    max_pickle_nesting: int = 200
    # Longest string we keep from a pickle (longer ones are kept as a prefix).
    max_string_bytes: int = 4 * KiB
    # Archives: members per archive (real torch zips have a few thousand at most).
    max_archive_members: int = 100_000
    # Archives: nesting of archives in archives / compressed in compressed.
    max_nesting_depth: int = 5
    # Decompressed bytes we are willing to produce per file (all members together).
    max_decompressed_bytes: int = 8 * GiB
    # Decompression ratio beyond which a member is treated as a bomb.
    max_compression_ratio: float = 200.0
    # safetensors: header bytes (the format itself caps at 100 MB).
    max_safetensors_header: int = 100 * MiB
    # GGUF: key/value pairs, tensors, array elements, string bytes.
    max_gguf_kv: int = 1_000_000
    max_gguf_tensors: int = 1_000_000
    max_gguf_array: int = 10_000_000
    max_gguf_string: int = 64 * MiB
    # Chat templates: bytes of one template, and nodes of its syntax tree.
    max_template_bytes: int = 1 * MiB
    max_template_nodes: int = 200_000
    # Bytes decoded from base64/hex strings per file (payloads stored as text), all
    # nested analyses together; each value decodes to 16 MiB at most.
    max_decoded_text_bytes: int = 64 * MiB
    # Findings kept per file; past it one summary finding says how many were dropped.
    max_findings: int = 500
    # Findings of one rule kept in full per scope; past a cap the rest are counted into one
    # summary finding per rule, at the worst severity among them (fail closed).
    # Per safetensors header, GGUF/ONNX/TensorFlow model, chat template:
    max_findings_per_rule: int = 50
    # Per archive (tar, zip), Keras model config and msgpack file:
    max_archive_findings_per_rule: int = 20
    # Uncovered regions (holes, trailing data) of a safetensors or GGUF file, all of
    # which are still looked into:
    max_hidden_region_findings: int = 20
    # Imports per rule in one pickle stream:
    max_pickle_import_findings: int = 100

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"ScanLimits.{f.name} must be a positive number, got {value!r}")

    def replace(self, **changes: Any) -> ScanLimits:
        return dataclasses.replace(self, **changes)


DEFAULT_LIMITS = ScanLimits()
