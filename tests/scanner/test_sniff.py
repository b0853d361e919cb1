"""Content sniffing: every format from its bytes, never its name; pickles never pass as text."""

from __future__ import annotations

import io
import json
import pickle
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fixtures.archives import (
    BENIGN,
    COMPRESSORS,
    P0_PAYLOAD,
    P2_PAYLOAD,
    make_tar,
    make_zip,
    torch_like_zip,
)
from tests.optional import require
from weightscan.scanner.formats import Format
from weightscan.scanner.sniff import _by_head, sniff_format, zip_end_at_tail
from weightscan.scanner.source import Source


def sniff(data: bytes) -> Format:
    return sniff_format(Source(io.BytesIO(data), name="x"))


LEGACY_TORCH_HEAD = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.\x80\x02M\xe9\x03."
PROTO5 = b"\x80\x05\x95\x05\x00\x00\x00\x00\x00\x00\x00}\x94."
CONFIG_JSON = json.dumps({"architectures": ["LlamaForCausalLM"]}).encode()
SAFETENSORS = struct.pack("<Q", 2) + b"{}"


def _piece(text: str, score: float, kind: int) -> bytes:
    """One SentencePiece message (piece, score, type) as protobuf field 1 of the model."""
    raw = text.encode()
    body = (
        b"\x0a"
        + bytes([len(raw)])
        + raw
        + b"\x15"
        + struct.pack("<f", score)
        + b"\x18"
        + bytes([kind])
    )
    return b"\x0a" + bytes([len(body)]) + body


SENTENCEPIECE = _piece("<unk>", 0.0, 2) + _piece("<s>", 0.0, 3) + _piece("\u2581a", -1.0, 1) * 50


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"", Format.EMPTY, id="empty"),
        pytest.param(P2_PAYLOAD, Format.PICKLE, id="pickle-proto2"),
        pytest.param(PROTO5, Format.PICKLE, id="pickle-proto5"),
        pytest.param(P0_PAYLOAD, Format.PICKLE, id="pickle-proto0-is-text-but-a-pickle"),
        pytest.param(b"(dp0\nVa\np1\nI1\ns.", Format.PICKLE, id="pickle-proto0-dict"),
        pytest.param(b"}q\x00X\x01\x00\x00\x00aq\x01K\x01s.", Format.PICKLE, id="pickle-proto1"),
        pytest.param(LEGACY_TORCH_HEAD, Format.PYTORCH_LEGACY, id="torch-legacy"),
        pytest.param(torch_like_zip(), Format.ZIP, id="zip"),
        pytest.param(b"PK\x05\x06" + b"\0" * 18, Format.ZIP, id="zip-empty"),
        pytest.param(b"\x93NUMPY\x01\x00v\x00{'descr': '<f4'}", Format.NUMPY, id="npy"),
        pytest.param(SAFETENSORS, Format.SAFETENSORS, id="safetensors"),
        pytest.param(b"GGUF\x03\x00\x00\x00" + b"\0" * 16, Format.GGUF, id="gguf"),
        pytest.param(COMPRESSORS["gzip"](BENIGN), Format.GZIP, id="gzip"),
        pytest.param(COMPRESSORS["bzip2"](BENIGN), Format.BZIP2, id="bzip2"),
        pytest.param(COMPRESSORS["xz"](BENIGN), Format.XZ, id="xz"),
        pytest.param(COMPRESSORS["lzma"](BENIGN), Format.LZMA, id="lzma-alone"),
        pytest.param(COMPRESSORS["zlib"](BENIGN), Format.ZLIB, id="zlib"),
        pytest.param(COMPRESSORS["zstd"](BENIGN), Format.ZSTD, id="zstd"),
        pytest.param(COMPRESSORS["lz4"](BENIGN), Format.LZ4, id="lz4"),
        pytest.param(COMPRESSORS["joblib-zlib"](BENIGN), Format.JOBLIB_ZLIB, id="joblib-zf"),
        pytest.param(make_tar([("a.txt", b"hello")]), Format.TAR, id="tar"),
        pytest.param(
            make_tar([("sys_info", BENIGN), ("pickle", BENIGN), ("storages", BENIGN)]),
            Format.PYTORCH_TAR,
            id="torch-tar",
        ),
        pytest.param(b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\0" * 24, Format.SEVEN_ZIP, id="7z"),
        pytest.param(b"Rar!\x1a\x07\x00" + b"\0" * 8, Format.RAR, id="rar4"),
        pytest.param(b"Rar!\x1a\x07\x01\x00" + b"\0" * 8, Format.RAR, id="rar5"),
        pytest.param(CONFIG_JSON, Format.TEXT, id="json"),
        pytest.param(b"base_model: x\nlicense: mit\n", Format.TEXT, id="yaml"),
        pytest.param("# Model card\n\nSome text \u00e9\n".encode(), Format.TEXT, id="markdown"),
        pytest.param(b"import os\n\nclass Config:\n    pass\n", Format.TEXT, id="python"),
        pytest.param(b"0.5\n0.25\n0.125\n", Format.TEXT, id="numbers-start-like-POP-STOP"),
        pytest.param(b"cat\ndog\nfish\n", Format.TEXT, id="word-list-starts-like-GLOBAL"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\0" * 16, Format.OTHER, id="png"),
        pytest.param(b"\xff\xd8\xff\xe0" + b"\0" * 16, Format.OTHER, id="jpeg"),
        pytest.param(SENTENCEPIECE, Format.OTHER, id="sentencepiece-tokenizer-model"),
        pytest.param(bytes(range(256)) * 4, Format.UNKNOWN, id="binary"),
    ],
)
def test_sniffs_each_format_by_content(data, expected):
    assert sniff(data) is expected


def test_zip_with_a_prefix_is_a_zip_found_from_its_end():
    assert sniff(b"some prefix bytes\0\1\2" + torch_like_zip()) is Format.ZIP


def test_pickle_in_front_of_a_zip_is_treated_as_the_zip_that_holds_it():
    """Both views get analysed: the zip analyzer analyses the prefix as a pickle."""
    assert sniff(P2_PAYLOAD + make_zip({"a.txt": b"x"})) is Format.ZIP


def test_the_name_does_not_matter():
    src = Source(io.BytesIO(P2_PAYLOAD), name="config.json")
    assert sniff_format(src) is Format.PICKLE


@pytest.mark.parametrize(
    "data", [P0_PAYLOAD, P2_PAYLOAD, BENIGN, b"(lp0\nI1\na.", P0_PAYLOAD[:-1] + b"\xff garbage"]
)
def test_a_pickle_is_never_text_or_other(data):
    assert sniff(data) not in (Format.TEXT, Format.OTHER, Format.UNKNOWN)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_sniffing_arbitrary_bytes_never_raises(data):
    # the internals directly: sniff_format itself turns a failure into UNKNOWN
    assert isinstance(_by_head(data, len(data)), Format)
    assert isinstance(zip_end_at_tail(Source(io.BytesIO(data))), bool)
    assert isinstance(sniff(data), Format)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64), st.integers(0, 200), st.binary(min_size=1, max_size=8))
def test_sniffing_mutated_zip_tails_never_raises(prefix, cut, junk):
    data = prefix + make_zip({"a.txt": b"hello"})
    data = data[: len(data) - cut] + junk
    assert isinstance(zip_end_at_tail(Source(io.BytesIO(data))), bool)


@pytest.mark.parametrize("protocol", range(6))
def test_legacy_torch_magic_in_any_protocol(protocol):
    magic = 0x1950A86A20F9469CFC6C
    # the magic number pickled alone, as torch's legacy writer does, then the next pickle
    data = pickle.dumps(magic, protocol=protocol) + pickle.dumps(1001, protocol=protocol)
    assert sniff(data) is Format.PYTORCH_LEGACY


def test_real_legacy_torch_file(tmp_path):
    torch = require("torch")
    path = tmp_path / "legacy.pt"
    torch.save({"w": torch.zeros(2)}, path, _use_new_zipfile_serialization=False)
    assert sniff(path.read_bytes()) is Format.PYTORCH_LEGACY


def test_safetensors_with_an_out_of_range_header_length_goes_to_the_safetensors_analyzer():
    import io
    import struct

    from weightscan.scanner import scan_stream

    header = b'{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}'
    data = struct.pack("<Q", 10**12) + header + bytes(8)
    report = scan_stream(io.BytesIO(data), name="x.safetensors").files[0]
    assert report.format == "safetensors"
    assert any(f.rule_id.startswith("safetensors.header") for f in report.findings)
