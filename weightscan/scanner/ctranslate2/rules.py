"""Rules for CTranslate2 ``model.bin`` files."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_SPEC = "https://opennmt.net/CTranslate2/conversion.html"

RULES: tuple[Rule, ...] = (
    Rule(
        "ctranslate2.model",
        Severity.INFO,
        "A CTranslate2 model.bin (named weight arrays and aliases)",
        "A spec name, then variables (name, shape, dtype, byte size, raw bytes) and "
        "name aliases. The runtime copies the bytes into tensors and runs only its own "
        "compiled layers; every size was checked against the file.",
        (_SPEC,),
    ),
)
