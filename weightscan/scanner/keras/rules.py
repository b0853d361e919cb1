"""Rules for Keras model configs (``.keras`` config.json, Keras 2 HDF5 ``model_config``)."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_SAFE_MODE = "https://keras.io/api/models/model_saving_apis/model_saving_and_loading/"

RULES: tuple[Rule, ...] = (
    Rule(
        "keras.lambda-bytecode",
        Severity.CRITICAL,
        "A Lambda layer (or `__lambda__` object) carries marshalled Python bytecode",
        "Keras rebuilds the function from the bytecode and runs it while building the "
        "model: arbitrary code on load. Keras 3 refuses it only in safe mode, and its HDF5 "
        "loader runs it regardless.",
        ("CVE-2024-3660", "CVE-2025-9905", _SAFE_MODE),
    ),
    Rule(
        "keras.dangerous-callable",
        Severity.CRITICAL,
        "The config names a function or class that runs commands, code or file access",
        "The loader imports the named module and calls what it names: `os.system`, "
        "`builtins.eval`, or Keras helpers that switch safe mode off or download files.",
        ("CVE-2025-1550", "CVE-2025-8747", "CVE-2025-9906"),
    ),
    Rule(
        "keras.custom-object",
        Severity.MEDIUM,
        "An object or function from outside Keras (custom or third-party code)",
        "The loader imports the named module or needs the user's custom objects: code "
        "outside the model file decides what loading does.",
        (_SAFE_MODE,),
    ),
    Rule(
        "keras.external-resource",
        Severity.MEDIUM,
        "A layer that loads a model from files outside this one (TFSMLayer)",
        "What it loads is not in the scanned file; a SavedModel can run its own ops.",
        ("CVE-2025-12058",),
    ),
    Rule(
        "keras.vocabulary-file",
        Severity.HIGH,
        "A lookup layer reads its vocabulary from a file path or URL when loaded",
        "StringLookup, IntegerLookup and TextVectorization open a string `vocabulary` with "
        "tf.io.gfile while the model is built, even in safe mode: any local file (or a "
        "URL the loader fetches) becomes part of the model. Saved models keep their "
        "vocabulary inside the archive, not as a path.",
        ("CVE-2025-12058",),
    ),
    Rule(
        "keras.tf-op",
        Severity.MEDIUM,
        "A TFOpLambda calls a TensorFlow op that runs Python or touches files",
        "py_func/numpy_function ops and file ops act outside the model when it runs.",
    ),
    Rule(
        "keras.config-invalid",
        Severity.MEDIUM,
        "The model config could not be read whole (not JSON, too deep or too large)",
        "What the loader would deserialise from it was not checked.",
    ),
)
