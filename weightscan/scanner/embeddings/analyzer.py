"""fastText and word2vec files: structure walked, sizes checked, vectors never read.

Neither format carries code; what can go wrong is a lying size (the loaders allocate
what the header says) or bytes hidden after the last vector."""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.embeddings.fasttext import walk_fasttext
from weightscan.scanner.embeddings.word2vec import (
    looks_binary_word2vec,
    walk_word2vec,
    walk_word2vec_text,
)
from weightscan.scanner.source import Source

_TAIL = 4096
_HEAD = 8192


def analyze_fasttext(source: Source, ctx: ScanContext) -> None:
    facts = walk_fasttext(source, ctx)
    _trailing(source, ctx, facts.end)
    ctx.note(
        "fasttext",
        {
            "version": facts.version,
            "dim": facts.dim,
            "words": facts.words,
            "labels": facts.labels,
            "quantized": facts.quantized,
        },
    )


def analyze_word2vec(source: Source, ctx: ScanContext) -> None:
    binary = looks_binary_word2vec(source.head(_HEAD))
    facts = (walk_word2vec if binary else walk_word2vec_text)(source, ctx)
    _trailing(source, ctx, facts.end)
    ctx.note("word2vec", {"words": facts.words, "dims": facts.dims, "binary": binary})


def _trailing(source: Source, ctx: ScanContext, end: int) -> None:
    rest = source.size - end
    if rest <= 0 or (rest <= _TAIL and not source.read_at(end, rest).strip()):
        return  # nothing, or the newline word2vec.c writes after the last vector
    ctx.report(
        "embeddings.trailing-data",
        f"{rest} bytes after the last vector",
        offset=end,
        evidence={"size": rest},
    )
