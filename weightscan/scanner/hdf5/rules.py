"""Rules for HDF5 files (Keras 2 / TF ``.h5`` models and weight files)."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "hdf5.unread",
        Severity.MEDIUM,
        "Part of the root group's attributes was not read",
        "Attributes in dense storage, shared attribute messages or a model config of an "
        "unexpected type were not followed; a model config there would not have been "
        "checked.",
    ),
)
