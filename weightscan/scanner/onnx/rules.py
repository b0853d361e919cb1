"""Rules for ONNX models: external-data paths, custom-op domains, declared tensor sizes."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_SPEC = "https://github.com/onnx/onnx/blob/main/onnx/onnx.proto"
_EXTERNAL = "https://github.com/onnx/onnx/blob/main/docs/ExternalData.md"

RULES: tuple[Rule, ...] = (
    Rule(
        "onnx.external-data.traversal",
        Severity.HIGH,
        "A tensor's external data lies outside the model's folder",
        "Loaders join `location` to the model's folder and read the file into a tensor: "
        "`..`, an absolute path, a drive letter or a symlink out of the folder reads any "
        "file the user can read (keys, credentials) into the model's outputs.",
        ("CVE-2022-25882", "CVE-2024-27318", _EXTERNAL),
    ),
    Rule(
        "onnx.external-data.memory",
        Severity.HIGH,
        "A tensor's external data points into the loading process's memory",
        "onnxruntime treats the location `*/_ORT_MEM_ADDR_/*` as a raw address in its own "
        "memory for tensors handed over in-process; in a file it reads memory at an "
        "address the file chose.",
        (_EXTERNAL,),
    ),
    Rule(
        "onnx.external-data.unusual",
        Severity.MEDIUM,
        "A tensor's external-data location is odd: `..`, control bytes, a device or "
        "something other than a regular file",
        "No exporter writes such a location; loaders disagree on it (C and Python cut "
        "paths at NUL differently), and a pipe or device can hang or feed the loader.",
        (_EXTERNAL,),
    ),
    Rule(
        "onnx.external-data.file",
        Severity.INFO,
        "Raw tensor bytes that an ONNX model next to the file reads as external data",
        "External data has no format of its own: loaders copy the byte ranges the model "
        "declares into tensors and never interpret them otherwise.",
        (_EXTERNAL,),
    ),
    Rule(
        "onnx.tensor.size",
        Severity.MEDIUM,
        "A tensor's declared size disagrees with its data (raw bytes, external range, data file)",
        "Loaders trust one of the numbers: a mismatch is a malformed model at best and the "
        "shape of an out-of-bounds read at worst.",
        (_SPEC,),
    ),
    Rule(
        "onnx.domain.custom",
        Severity.INFO,
        "The model uses operators from a custom domain",
        "A custom domain's operators run native code that the application must register "
        "(an onnxruntime custom-op library); the model itself cannot bring that code, so "
        "the domain is listed for review, not condemned.",
        (_SPEC,),
    ),
)
