"""Rules for fastText and word2vec binaries."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "embeddings.trailing-data",
        Severity.MEDIUM,
        "Bytes after the last vector of a fastText or word2vec file",
        "The loaders stop at the declared vocabulary and matrices; bytes after them are "
        "read by no word-vector loader and can hide another format.",
    ),
)
