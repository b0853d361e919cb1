"""Tensor storages in torch zips: torch.save stores every record uncompressed and never
unpickles a storage. A storage compressed far beyond any real tensor is a bomb torch.load
inflates; tensor bytes that happen to be opcodes are data, not a pickle."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.fixtures.archives import BENIGN, P2_PAYLOAD, rules_of, scan_bytes
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
