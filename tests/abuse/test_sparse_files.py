"""50 GB sparse files (a valid small header, then a hole): the scanner never reads it all.

The holes cost no disk. A file whose header accounts for the 50 GB is valid; one whose
header does not has 50 GB of hidden bytes and must not come out clean.
"""

from __future__ import annotations

from pathlib import Path

from tests.abuse import bombs
from tests.abuse.expect import bounded
from tests.fixtures.archives import sparse_torch_zip

SECONDS = 15


def test_safetensors_with_a_50_gb_tensor(scan, tmp_path: Path):
    o = scan(bombs.sparse_safetensors_consistent(tmp_path / "big.safetensors"))
    bounded(o, seconds=SECONDS)
    assert o.verdict == "clean", str(o)


def test_safetensors_with_50_gb_undeclared(scan, tmp_path: Path):
    o = scan(bombs.sparse_safetensors_hidden(tmp_path / "hidden.safetensors"))
    bounded(o, seconds=SECONDS)
    assert o.verdict != "clean", str(o)


def test_gguf_with_a_50_gb_tensor(scan, tmp_path: Path):
    o = scan(bombs.sparse_gguf_consistent(tmp_path / "big.gguf"))
    bounded(o, seconds=SECONDS)
    assert o.verdict == "clean", str(o)


def test_gguf_with_50_gb_undeclared(scan, tmp_path: Path):
    o = scan(bombs.sparse_gguf_hidden(tmp_path / "hidden.gguf"))
    bounded(o, seconds=SECONDS)
    assert o.verdict != "clean", str(o)


def test_torch_zip_with_a_50_gb_storage(scan, tmp_path: Path):
    path = tmp_path / "big.pt"
    sparse_torch_zip(str(path), bombs.SPARSE_SIZE)
    o = scan(path)
    bounded(o, seconds=SECONDS)
    assert o.verdict != "error", str(o)


def test_pickle_followed_by_50_gb(scan, tmp_path: Path):
    o = scan(bombs.sparse_pickle(tmp_path / "big.pkl"))
    bounded(o, seconds=SECONDS)
    assert o.verdict != "clean", str(o)


def test_npy_with_a_50_gb_array(scan, tmp_path: Path):
    o = scan(bombs.sparse_npy(tmp_path / "big.npy"))
    bounded(o, seconds=SECONDS)
    assert o.verdict == "clean", str(o)
