"""Rules for CoreML models: code the application must supply, linked and opaque models,
weight files."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_SPEC = "https://apple.github.io/coremltools/mlmodel/index.html"

RULES: tuple[Rule, ...] = (
    Rule(
        "coreml.custom-code",
        Severity.INFO,
        "The model has custom layers or is a custom model",
        "A custom layer or model names a class the application must implement and ship "
        "(MLCustomLayer, MLCustomModel); the model cannot bring that code, so the class "
        "names are listed for review.",
        (_SPEC,),
    ),
    Rule(
        "coreml.linked-model",
        Severity.INFO,
        "The model links another compiled model by file name and search path",
        "The linked model is loaded from the path at run time and analysed only if it is "
        "scanned too; a path out of the model's folder is reported as medium.",
        (_SPEC,),
    ),
    Rule(
        "coreml.serialized-model",
        Severity.MEDIUM,
        "The model wraps a private serialized model",
        "Type 3000 holds an opaque model in Apple's private format, which weightscan "
        "cannot read; it cannot be shown safe.",
        (_SPEC,),
    ),
    Rule(
        "coreml.weights",
        Severity.INFO,
        "A CoreML ML-program weight file (weights/weight.bin of an .mlpackage)",
        "Tensor blobs behind a header and per-blob metadata; loaders copy them into "
        "constants and never interpret them otherwise.",
        (_SPEC,),
    ),
)
