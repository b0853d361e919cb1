"""Tensor storages in torch zips: torch.save stores every record uncompressed and never
unpickles a storage. A storage compressed far beyond any real tensor is a bomb torch.load
inflates; tensor bytes that happen to be opcodes are data, not a pickle."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from tests.fixtures.archives import (
    BENIGN,
    P0_PAYLOAD,
    P2_PAYLOAD,
    make_zip,
    rules_of,
    scan_bytes,
    torch_like_zip,
)
from weightscan.scanner import Verdict


def _deflated_storage_zip(storage: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", BENIGN)
        z.writestr("archive/data/0", storage, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("archive/version", b"3\n")
    return buf.getvalue()


def test_a_storage_deflated_far_beyond_real_tensors_is_a_bomb():
    data = _deflated_storage_zip(b"\0" * (64 << 20))  # 64 MiB of zeros in ~64 KB
    assert len(data) < 200_000
    report = scan_bytes(data)
    assert "torch.storage-bomb" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_a_storage_compressed_like_ordinary_data_is_fine():
    rng = pytest.importorskip("numpy").random.default_rng(0)
    report = scan_bytes(_deflated_storage_zip(rng.random(100_000).astype("float32").tobytes()))
    assert report.verdict is Verdict.CLEAN, rules_of(report)


def test_torch_writes_storages_uncompressed(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "m.pt"
    torch.save({"w": torch.zeros(1 << 20)}, path)
    with zipfile.ZipFile(path) as z:
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
    assert scan_bytes(path.read_bytes()).verdict is Verdict.CLEAN


def test_a_compressed_storage_hiding_a_pickle_is_still_found():
    report = scan_bytes(_deflated_storage_zip(P2_PAYLOAD))
    assert report.verdict is Verdict.MALICIOUS


# -- tensor bytes are data ------------------------------------------------------------------

_HALF = struct.unpack("<f", b"\x93\x52\x00\x3f")[0]  # a float near 0.5 whose bytes are 93 52
OPCODE_LIKE_HEADS = {
    "stack-global-reduce": struct.pack("<f", _HALF),
    "proto-then-stack-global": b"\x80\x02\x93R",
    "mark-stack-global-reduce": b"(\x93R\x00",
    "stack-global-binint1": b"\x93RK\x01",
}


def _floats(head: bytes) -> bytes:
    np = pytest.importorskip("numpy")
    return head + np.random.default_rng(1).random(4096).astype("float32").tobytes()


@pytest.mark.parametrize("name", sorted(OPCODE_LIKE_HEADS))
def test_storage_bytes_that_read_as_opcodes_are_tensor_data(name):
    report = scan_bytes(torch_like_zip(storages={"0": _floats(OPCODE_LIKE_HEADS[name])}))
    assert "torch.storage-hides-content" not in rules_of(report)
    assert report.verdict is Verdict.CLEAN, report.findings


@pytest.mark.parametrize("name", sorted(OPCODE_LIKE_HEADS))
def test_unexpected_binary_members_are_not_reported_as_broken_pickles(name):
    report = scan_bytes(make_zip({"weights.bin": _floats(OPCODE_LIKE_HEADS[name])}))
    assert not [r for r in rules_of(report) if r.startswith("pickle.")], report.findings


def test_a_storage_that_is_a_pickle_is_still_found():
    report = scan_bytes(torch_like_zip(storages={"0": P2_PAYLOAD + _floats(b"")[:64]}))
    assert "torch.storage-hides-content" in rules_of(report)
    assert report.verdict is Verdict.MALICIOUS


def test_a_protocol0_pickle_stored_as_a_storage_is_found():
    report = scan_bytes(torch_like_zip(storages={"0": P0_PAYLOAD}))
    assert report.verdict is Verdict.MALICIOUS


def test_joblib_08_zf_headers_are_legitimate():
    for suffix in ("", "L"):  # Python 2's joblib wrote hex() of a long with an "L"
        body = zlib.compress(BENIGN)
        data = b"ZF" + (hex(len(BENIGN)) + suffix).encode().ljust(19) + body
        report = scan_bytes(data)
        assert report.verdict is Verdict.CLEAN, (suffix, rules_of(report))
