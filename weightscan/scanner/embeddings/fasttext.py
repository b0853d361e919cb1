"""fastText ``.bin``/``.ftz``: walk header, dictionary and matrices; every declared size is
checked against the file before it is skipped (the C++ loader allocates what they say).

Layout (fastText's FastText::saveModel): magic and version (int32 each), the training
args (12 int32 and a double), the dictionary (sizes, then each word NUL-terminated with
an int64 count and an int8 type, then prune-index pairs), then the input and output
matrices, each dense (int64 rows and columns, float32 data) or product-quantised.
Files from fastText before the magic (gensim still reads them) start with the args, have
no prune index and no quantisation flags.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from weightscan.scanner.context import ScanContext
from weightscan.scanner.embeddings.window import Window
from weightscan.scanner.errors import MalformedInput
from weightscan.scanner.source import Source

MAGIC = 793712314
VERSIONS = (11, 12)
MAX_WORDS = 100_000_000
MAX_WORD = 1 << 16
_KSUB = 256  # centroids per sub-quantiser
_OLD_PROBE = 68  # args (56 bytes) and the dictionary's three sizes


@dataclass
class FastTextFacts:
    version: int
    dim: int
    words: int
    labels: int
    quantized: bool
    end: int  # where the last matrix ends


def walk_fasttext(source: Source, ctx: ScanContext) -> FastTextFacts:
    w = Window(source)
    magic, version = w.unpack("ii")
    new = magic == MAGIC
    if not new:
        if not looks_like_old_fasttext(source.head(_OLD_PROBE)):
            raise MalformedInput(f"fasttext: magic {magic} version {version}")
        w.pos, version = 0, 0
    elif version not in VERSIONS:
        raise MalformedInput(f"fasttext: version {version}")
    args = w.unpack("12id")
    dim = int(args[0])
    size, nwords, nlabels, _ntokens = w.unpack("iiiq")
    prune = w.unpack("q")[0] if new else 0
    if not 0 <= size <= MAX_WORDS or size != nwords + nlabels or nwords < 0 or nlabels < 0:
        raise MalformedInput(
            f"fasttext: dictionary of {size} entries ({nwords} words, {nlabels} labels)"
        )
    for i in range(int(size)):
        if i % 65536 == 0:
            ctx.check_time()
        w.until(b"\0", MAX_WORD)
        w.skip(9, "dictionary entry")  # int64 count, int8 type
    if prune > 0:
        w.skip(8 * int(prune), "prune index")
    quant_input = w.unpack("?")[0] if new else False
    _matrix(w, bool(quant_input))
    quant_output = w.unpack("?")[0] if new else False
    _matrix(w, bool(quant_output))
    return FastTextFacts(int(version), dim, int(nwords), int(nlabels), bool(quant_input), w.pos)


def looks_like_old_fasttext(head: bytes) -> bool:
    """Pre-magic fastText: training args in their ranges, then consistent dictionary sizes."""
    if len(head) < _OLD_PROBE:
        return False
    (
        dim,
        ws,
        epoch,
        min_count,
        neg,
        ngrams,
        loss,
        model,
        bucket,
        minn,
        maxn,
        lr_update,
        t,
        size,
        nwords,
        nlabels,
    ) = struct.unpack_from("<12id3i", head)
    return bool(
        0 < dim <= 100_000
        and 0 < ws <= 10_000
        and 0 < epoch <= 1_000_000
        and min_count >= 0
        and 0 <= neg <= 10_000
        and 0 < ngrams <= 100
        and 1 <= loss <= 4
        and 1 <= model <= 3
        and 0 <= bucket <= 1_000_000_000
        and 0 <= minn <= maxn <= 1000
        and lr_update > 0
        and 0 < t < 1
        and nwords >= 0
        and nlabels >= 0
        and size == nwords + nlabels <= MAX_WORDS
    )


def _matrix(w: Window, quantized: bool) -> None:
    if not quantized:
        rows, cols = w.unpack("qq")
        _check_dims(w, int(rows), int(cols), 4)
        w.skip(int(rows) * int(cols) * 4, "dense matrix")
        return
    qnorm, rows, cols, codesize = w.unpack("?qqi")
    _check_dims(w, int(rows), int(cols), 0)
    w.skip(_nonneg(int(codesize), w), "quantised codes")
    _product_quantizer(w)
    if qnorm:
        w.skip(int(rows), "norm codes")
        _product_quantizer(w)


def _product_quantizer(w: Window) -> None:
    dim, _nsubq, _dsub, _lastdsub = w.unpack("iiii")
    w.skip(_nonneg(int(dim), w) * _KSUB * 4, "centroids")


def _check_dims(w: Window, rows: int, cols: int, item: int) -> None:
    if rows < 0 or cols < 0 or rows * cols * item > w.remaining:
        raise MalformedInput(
            f"fasttext: a {rows} x {cols} matrix does not fit in the {w.remaining} bytes left",
            offset=w.pos,
        )


def _nonneg(n: int, w: Window) -> int:
    if n < 0:
        raise MalformedInput(f"fasttext: negative size {n}", offset=w.pos)
    return n
