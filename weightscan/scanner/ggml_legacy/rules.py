"""Rules for pre-GGUF ggml model files."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_SPEC = "https://github.com/ggml-org/ggml/blob/master/docs/gguf.md#historical-state-of-affairs"

RULES: tuple[Rule, ...] = (
    Rule(
        "ggml.legacy-model",
        Severity.INFO,
        "A pre-GGUF ggml model (llama.cpp ggml/ggmf/ggjt or whisper.cpp ggml)",
        "Fixed hyperparameters, a vocabulary of length-prefixed strings, then a table of "
        "named tensors with their bytes; no templates, no code. Every length and tensor "
        "size was checked and the table ends exactly at the end of the file.",
        (_SPEC,),
    ),
)
