"""Pre-GGUF ggml files (llama.cpp ggml/ggmf/ggjt, whisper.cpp ggml): consistent files are
clean; a table that does not end exactly at the end of the file is not."""

from __future__ import annotations

import io
import pickle
import struct

import pytest

from weightscan.scanner import Verdict, scan_stream
from weightscan.scanner.formats import Format
from weightscan.scanner.sniff import sniff_format
from weightscan.scanner.source import Source

MAGIC = {"ggml": b"lmgg", "ggmf": b"fmgg", "ggjt": b"tjgg"}
_SIZES = {0: (1, 4), 1: (1, 2), 2: (32, 18), 8: (32, 34), 12: (256, 144)}


def tensor(
    name: str,
    dims: tuple[int, ...],
    ttype: int = 0,
    *,
    at: int = 0,
    align: bool = False,
    size: int | None = None,
) -> bytes:
    raw = name.encode()
    out = struct.pack("<iii", len(dims), len(raw), ttype) + struct.pack(f"<{len(dims)}i", *dims)
    out += raw
    if align:
        out += bytes(-(at + len(out)) % 32)
    block, per = _SIZES.get(ttype, (1, 1))
    n = 1
    for d in dims:
        n *= d
    return out + bytes(n // block * per if size is None else size)


def llama(
    magic: str = "ggjt",
    version: int = 3,
    tensors=(("tok", (64, 4), 0), ("w", (256, 2), 12), ("q", (32,), 2)),
    vocab=(b"<s>", b"hello", b""),
) -> bytes:
    out = MAGIC[magic] + (struct.pack("<I", version) if magic != "ggml" else b"")
    out += struct.pack("<7I", len(vocab), 4, 256, 2, 1, 2, 2)
    for word in vocab:
        out += (
            struct.pack("<I", len(word))
            + word
            + (b"" if magic == "ggml" else struct.pack("<f", 0.5))
        )
    for name, dims, ttype in tensors:
        out += tensor(name, dims, ttype, at=len(out), align=magic == "ggjt")
    return out


def whisper(ftype: int = 1) -> bytes:
    out = MAGIC["ggml"] + struct.pack("<11i", 3, 1500, 8, 2, 1, 448, 8, 2, 1, 4, ftype)
    out += struct.pack("<ii", 4, 3) + bytes(4 * 12)
    out += struct.pack("<i", 3) + b"".join(
        struct.pack("<I", len(w)) + w for w in (b"a", b"bc", b"<|endoftext|>")
    )
    out += tensor("encoder.conv1.weight", (3, 4, 8), 1) + tensor("decoder.ln.bias", (8,), 0)
    return out + tensor("decoder.q", (32, 2), 8 if ftype >= 2000 else 1)


def scan(raw: bytes):
    return scan_stream(io.BytesIO(raw), name="ggml-model.bin").files[0]


@pytest.mark.parametrize(
    "raw",
    [
        llama(),
        llama("ggjt", 1, tensors=(("w", (64,), 0),)),
        llama("ggmf", 1, tensors=(("w", (64,), 0), ("b", (4,), 1))),
        llama("ggml", tensors=(("w", (8, 2), 1),)),
        whisper(),
        whisper(ftype=2008),
    ],
    ids=["ggjt3", "ggjt1", "ggmf", "ggml", "whisper", "whisper-q8"],
)
def test_consistent_files_are_clean(raw: bytes):
    assert sniff_format(Source(io.BytesIO(raw))) is Format.GGML
    report = scan(raw)
    assert report.format == "ggml"
    assert report.verdict is Verdict.CLEAN, report.findings


@pytest.mark.parametrize(
    "raw",
    [
        llama() + b"\0" * 7,  # trailing bytes: no whole tensor
        llama()[:-1],  # truncated
        llama(tensors=(("w", (33,), 2),)),  # not whole blocks
        llama(tensors=(("w", (4,), 99),)),  # unknown type
        llama("ggjt", 4),  # unknown version: not even sniffed as ggml
        llama(vocab=(b"x" * 10,))[:40],  # vocabulary past the end
        llama(tensors=()),  # no tensors at all
        MAGIC["ggml"] + struct.pack("<7I", 0xFFFFFFF, 1, 1, 1, 1, 1, 1),
    ],
)
def test_inconsistent_files_are_not_clean(raw: bytes):
    assert scan(raw).verdict is not Verdict.CLEAN


def test_pickle_in_front_is_still_caught():
    class Evil:
        def __reduce__(self):
            return (__import__("os").system, ("echo pwned",))

    # the magic itself is a protocol-0 opcode ("l" LIST): the offset-0 pickle view runs too
    assert scan(pickle.dumps(Evil(), protocol=0) + llama()).verdict is Verdict.MALICIOUS
    polyglot = llama() + pickle.dumps(Evil())
    assert scan(polyglot).verdict is not Verdict.CLEAN
