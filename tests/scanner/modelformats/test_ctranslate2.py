"""CTranslate2 model.bin: a well-formed model is clean; anything that does not add up is
not, and a pickle polyglot is still caught."""

from __future__ import annotations

import io
import pickle
import struct

import pytest

from weightscan.scanner import Verdict, scan_stream
from weightscan.scanner.formats import Format
from weightscan.scanner.sniff import sniff_format
from weightscan.scanner.source import Source

_ITEM = {0: 4, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2}


def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<H", len(raw) + 1) + raw + b"\0"


def variable(
    name: str,
    dims: tuple[int, ...],
    dtype: int = 0,
    nbytes: int | None = None,
    data: bytes | None = None,
) -> bytes:
    size = _ITEM.get(dtype, 1)
    for d in dims:
        size *= d
    out = _string(name) + struct.pack("<B", len(dims)) + struct.pack(f"<{len(dims)}I", *dims)
    out += struct.pack("<BI", dtype, size if nbytes is None else nbytes)
    return out + (bytes(size) if data is None else data)


def ct2_model(
    variables: list[bytes],
    aliases: list[tuple[str, str]] = (),
    *,
    version: int = 6,
    spec: str = "WhisperSpec",
) -> bytes:
    out = struct.pack("<I", version) + _string(spec) + struct.pack("<II", 3, len(variables))
    out += b"".join(variables) + struct.pack("<I", len(aliases))
    return out + b"".join(_string(a) + _string(t) for a, t in aliases)


WHISPER = ct2_model(
    [
        variable("encoder/conv1/weight", (8, 4, 3), dtype=4),
        variable("encoder/conv1/bias", (8,), dtype=4),
        variable("decoder/embeddings/weight", (16, 8), dtype=1),
        variable("decoder/embeddings/weight_scale", (16,), dtype=0),
        variable("decoder/scale", ()),
    ],
    aliases=[("decoder/projection/weight", "decoder/embeddings/weight")],
)


def scan(raw: bytes):
    return scan_stream(io.BytesIO(raw), name="model.bin").files[0]


def test_ordinary_model_is_clean():
    assert sniff_format(Source(io.BytesIO(WHISPER))) is Format.CTRANSLATE2
    report = scan(WHISPER)
    assert report.format == "ctranslate2"
    assert report.verdict is Verdict.CLEAN, report.findings
    assert report.summary["ctranslate2"] == {
        "spec": "WhisperSpec",
        "revision": 3,
        "variables": 5,
        "aliases": 1,
    }


@pytest.mark.parametrize(
    "raw",
    [
        WHISPER + b"\0",  # trailing bytes nobody reads
        WHISPER[:-3],  # truncated
        ct2_model([variable("w", (4,), nbytes=12, data=bytes(12))]),  # size != shape x dtype
        ct2_model([variable("w", (4,), dtype=9, nbytes=16, data=bytes(16))]),  # unknown dtype
        ct2_model([variable("w", (4,))], aliases=[("a", "missing")]),  # alias to nothing
        ct2_model([variable("w", (2,) * 9, nbytes=0, data=b"")]),  # rank too high
        ct2_model([variable("w", (1 << 28,), data=b"")]),  # declared data past the end
        ct2_model([variable("w", (4,))], version=7),  # a layout we do not know
    ],
)
def test_anything_that_does_not_add_up_is_not_clean(raw: bytes):
    report = scan(raw)
    assert report.verdict is not Verdict.CLEAN, report.findings


def test_huge_variable_count_is_bounded():
    raw = struct.pack("<I", 6) + _string("TransformerSpec") + struct.pack("<II", 1, 0xFFFFFFFF)
    report = scan(raw)
    assert report.verdict is not Verdict.CLEAN


def test_pickle_polyglot_is_still_caught():
    class Evil:
        def __reduce__(self):
            return (__import__("os").system, ("echo pwned",))

    payload = pickle.dumps(Evil(), protocol=2)
    # a pickle in front of the layout is what the unpickler reads at offset 0
    report = scan(payload + WHISPER)
    assert report.verdict is Verdict.MALICIOUS
