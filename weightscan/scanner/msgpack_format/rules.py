"""Rules for msgpack (Flax) checkpoints."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_FLAX = "https://flax.readthedocs.io/en/latest/api_reference/flax.serialization.html"

RULES: tuple[Rule, ...] = (
    Rule(
        "msgpack.unknown-ext",
        Severity.MEDIUM,
        "A msgpack extension type Flax does not write",
        "Flax encodes arrays, complex numbers and numpy scalars as extension types 1-3; "
        "any other code is decoded by a hook this scanner has not seen.",
        (_FLAX,),
    ),
)
