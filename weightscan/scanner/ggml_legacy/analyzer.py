"""Pre-GGUF ggml files, walked whole: header, vocabulary, tensor table to the last byte.

Layouts (little-endian; facts from llama.cpp before GGUF and whisper.cpp):

* llama.cpp: u32 magic ``ggml`` (no version), or ``ggmf`` v1 / ``ggjt`` v1-3 with a u32
  version; seven u32 hyperparameters (n_vocab, n_embd, n_mult, n_head, n_layer, n_rot,
  ftype); n_vocab tokens (u32 length, bytes, then an f32 score except in ``ggml``).
* whisper.cpp: magic ``ggml``; eleven i32 hyperparameters (n_vocab first, ftype last);
  mel filters (i32 n_mel, i32 n_fft, n_mel x n_fft f32); i32 n_vocab, then tokens (u32
  length, bytes).

Then tensors until the end of the file: i32 n_dims, i32 name length, i32 type, n_dims x
i32 dims, the name, (``ggjt`` only: padding to a 32-byte boundary), the data. The data
size follows from the type's block size and bytes per block; quantised blocks had f32
scales before the quantisation format version 2 (``ggjt`` v3, or ftype >= 2000 in
whisper.cpp), f16 scales since. A file is accepted only when one layout walks exactly to
its end; whatever does not is ``format.malformed``.
"""

from __future__ import annotations

import math
import struct

from weightscan.scanner.bytecursor import ByteCursor
from weightscan.scanner.context import ScanContext
from weightscan.scanner.errors import LimitExceeded, MalformedInput
from weightscan.scanner.source import Source

MAGICS = {b"lmgg": "ggml", b"fmgg": "ggmf", b"tjgg": "ggjt"}  # u32 magics as stored
_VERSIONS = {"ggmf": (1,), "ggjt": (1, 2, 3)}
# type id -> (elements per block, bytes per block), by quantisation format
_NEW_TYPES = {
    0: (1, 4),
    1: (1, 2),
    2: (32, 18),
    3: (32, 20),
    6: (32, 22),
    7: (32, 24),
    8: (32, 34),
    10: (256, 84),
    11: (256, 110),
    12: (256, 144),
    13: (256, 176),
    14: (256, 210),
}
_OLD_TYPES = {0: (1, 4), 1: (1, 2), 2: (32, 20), 3: (32, 24), 6: (32, 22), 7: (32, 24), 8: (32, 36)}
_MAX_VOCAB = 10_000_000
_MAX_TOKEN = 1 << 16
_MAX_TENSORS = 1_000_000
_MAX_NAME = 4096
_MAX_DIMS = 4
_MAX_MEL = 1 << 20


def looks_like_ggml(head: bytes) -> bool:
    magic = MAGICS.get(head[:4])
    if magic is None or len(head) < 8:
        return False
    if magic == "ggml":
        return True
    return struct.unpack_from("<I", head, 4)[0] in _VERSIONS[magic]


class _Cursor(ByteCursor):
    def __init__(self, source: Source, ctx: ScanContext) -> None:
        super().__init__(source)
        self.ctx = ctx

    def ints(self, count: int, what: str) -> tuple[int, ...]:
        return self.unpack(f"{count}i", what)


def analyze_ggml(source: Source, ctx: ScanContext) -> None:
    magic = MAGICS[source.head(4)]
    errors = []
    for layout in (_llama, _whisper) if magic == "ggml" else (_llama,):
        cur = _Cursor(source, ctx)
        try:
            summary = layout(cur, magic)
        except MalformedInput as exc:
            errors.append(f"{layout.__name__.strip('_')}: {exc.reason}")
            continue
        ctx.note("ggml", summary)
        ctx.report(
            "ggml.legacy-model",
            f"pre-GGUF ggml model ({summary['layout']}, {summary['tensors']} tensors)",
            evidence=summary,
        )
        return
    raise MalformedInput("no ggml layout fits the file (" + "; ".join(errors) + ")")


def _llama(cur: _Cursor, magic: str) -> dict[str, object]:
    cur.take(4, "magic")
    version = 0 if magic == "ggml" else cur.ints(1, "version")[0]
    n_vocab, *_, ftype = cur.ints(7, "hyperparameters")
    _vocab(cur, n_vocab, scores=magic != "ggml")
    new = magic == "ggjt" and version == 3
    tensors = _tensors(cur, _NEW_TYPES if new else _OLD_TYPES, align=magic == "ggjt")
    return {
        "layout": f"llama.cpp {magic}" + (f" v{version}" if version else ""),
        "vocab": n_vocab,
        "ftype": ftype,
        "tensors": tensors,
    }


def _whisper(cur: _Cursor, magic: str) -> dict[str, object]:
    cur.take(4, "magic")
    hparams = cur.ints(11, "hyperparameters")
    n_mel, n_fft = cur.ints(2, "mel filter shape")
    if not (0 <= n_mel <= _MAX_MEL and 0 <= n_fft <= _MAX_MEL):
        raise MalformedInput("mel filter shape out of range", offset=cur.pos - 8)
    cur.skip(4 * n_mel * n_fft, "mel filters")
    (n_vocab,) = cur.ints(1, "vocabulary size")
    _vocab(cur, n_vocab, scores=False)
    new = hparams[10] // 1000 >= 2  # GGML_QNT_VERSION folded into ftype
    tensors = _tensors(cur, _NEW_TYPES if new else _OLD_TYPES, align=False)
    return {
        "layout": "whisper.cpp ggml",
        "vocab": n_vocab,
        "ftype": hparams[10],
        "tensors": tensors,
    }


def _vocab(cur: _Cursor, n_vocab: int, *, scores: bool) -> None:
    if not 0 <= n_vocab <= _MAX_VOCAB:
        raise LimitExceeded("ggml vocabulary entries", _MAX_VOCAB, offset=cur.pos)
    for i in range(n_vocab):
        if i % 4096 == 0:
            cur.ctx.check_time()
        (length,) = cur.unpack("I", f"token {i}")
        if length > _MAX_TOKEN:
            raise MalformedInput(f"token {i}: length {length}", offset=cur.pos - 4)
        cur.skip(length + (4 if scores else 0), f"token {i}")


def _tensors(cur: _Cursor, types: dict[int, tuple[int, int]], *, align: bool) -> int:
    count = 0
    while cur.pos < cur.source.size:
        count += 1
        if count > _MAX_TENSORS:
            raise LimitExceeded("ggml tensors", _MAX_TENSORS, offset=cur.pos)
        if count % 4096 == 0:
            cur.ctx.check_time()
        n_dims, name_len, ttype = cur.ints(3, f"tensor {count} header")
        if not 1 <= n_dims <= _MAX_DIMS or not 1 <= name_len <= _MAX_NAME:
            raise MalformedInput(
                f"tensor {count}: {n_dims} dims, name of {name_len} bytes", offset=cur.pos - 12
            )
        if ttype not in types:
            raise MalformedInput(
                f"tensor {count}: unknown or removed type {ttype}", offset=cur.pos - 4
            )
        dims = cur.ints(n_dims, f"tensor {count} dims")
        block, size = types[ttype]
        elements = math.prod(dims)
        if min(dims) < 1 or elements % block:
            raise MalformedInput(
                f"tensor {count}: dims {list(dims)} do not fill whole blocks", offset=cur.pos
            )
        cur.skip(name_len, f"tensor {count} name")
        if align:
            cur.skip(-cur.pos % 32, f"tensor {count} padding")
        cur.skip(elements // block * size, f"tensor {count} data")
    if count == 0:
        raise MalformedInput("no tensors", offset=cur.pos)
    return count
