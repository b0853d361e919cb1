"""The bounded HDF5 reader: h5py as the oracle for real files, hand-made files for lies."""

from __future__ import annotations

import contextlib
import io
import json
import random
import struct
import time

import pytest

from tests.fixtures import keras_builder as kb
from tests.fixtures.hdf5_builder import (
    ROOT_HEADER,
    continuation,
    hdf5_file,
    message,
    object_header,
    string_attribute,
    superblock,
)
from weightscan.scanner import Verdict, scan_file, scan_stream
from weightscan.scanner.hdf5.reader import read_root_attributes
from weightscan.scanner.source import Source


def scan(data: bytes, name: str = "model.h5"):
    (file,) = scan_stream(io.BytesIO(data), name=name).files
    return file


def h5py_file(libver: str, attrs: dict, *, dataset: bool = True) -> bytes:
    h5py = pytest.importorskip("h5py")
    np = pytest.importorskip("numpy")
    buf = io.BytesIO()
    with h5py.File(buf, "w", libver=libver) as f:
        for k, v in attrs.items():
            f.attrs[k] = v
        if dataset:
            group = f.create_group("model_weights/dense")
            group.create_dataset("kernel:0", data=np.arange(64, dtype=np.float32))
    return buf.getvalue()


@pytest.mark.parametrize("libver", ["earliest", "latest"])
@pytest.mark.parametrize("as_bytes", [True, False], ids=["fixed-string", "vlen-string"])
def test_h5py_written_keras2_models_read_like_h5py(libver, as_bytes):
    config = json.dumps(kb.keras2_sequential())
    value = config.encode() if as_bytes else config
    data = h5py_file(
        libver, {"model_config": value, "keras_version": "2.13.1", "backend": "tensorflow"}
    )
    root = read_root_attributes(Source(io.BytesIO(data)))
    assert root.get("model_config").value == config
    assert root.unread == []
    file = scan(data)
    assert file.verdict is Verdict.CLEAN, file.findings


def test_h5py_written_lambda_model_is_malicious():
    config = json.dumps(kb.keras2_sequential([kb.keras2_lambda()]))
    data = h5py_file("earliest", {"model_config": config.encode()})
    assert scan(data).verdict is Verdict.MALICIOUS


def test_dense_attribute_storage_is_reported_as_unread():
    attrs = {f"a{i}": "x" for i in range(40)}
    attrs["model_config"] = json.dumps(kb.keras2_sequential([kb.keras2_lambda()]))
    file = scan(h5py_file("latest", attrs))
    assert file.verdict is not Verdict.CLEAN
    assert "hdf5.unread" in {f.rule_id for f in file.findings}


def test_array_model_config_is_unread_not_clean():
    np = pytest.importorskip("numpy")
    data = h5py_file("earliest", {"model_config": np.array([b"{}", b"{}"])})
    file = scan(data)
    assert file.verdict is Verdict.SUSPICIOUS
    assert "hdf5.unread" in {f.rule_id for f in file.findings}


def test_cyclic_continuations_terminate():
    # the root header's continuation points back at the root header itself
    loop = continuation(ROOT_HEADER, 64)
    data = hdf5_file({"model_config": json.dumps(kb.keras2_sequential())}, extra=(loop,))
    file = scan(data)
    assert file.verdict is Verdict.CLEAN


def test_a_continuation_block_is_read_once_each():
    config = json.dumps(kb.keras2_sequential([kb.keras2_lambda()]))
    block = string_attribute("model_config", config)
    head = object_header([continuation(0, 0)])  # placeholder, sized below
    where = ROOT_HEADER + len(head)
    head = object_header([continuation(where, len(block))])
    data = superblock() + head + block
    assert scan(data).verdict is Verdict.MALICIOUS


@pytest.mark.parametrize(
    "data",
    [
        superblock(root=1 << 40),  # root header past the end
        superblock() + object_header([message(0x0C, b"\x07" + bytes(15))]),  # bad version
        superblock() + struct.pack("<BBHII4x", 1, 0, 1, 1, 1 << 30),  # huge header
        superblock() + bytes(32),  # no header version
    ],
    ids=["root-past-end", "attr-version", "huge-header", "zero-header"],
)
def test_broken_structures_are_malformed_not_errors(data):
    file = scan(data)
    assert file.verdict is Verdict.SUSPICIOUS
    assert "format.malformed" in {f.rule_id for f in file.findings}


def test_random_mutations_never_crash():
    rng = random.Random(11)
    seeds = [kb.keras2_h5(kb.keras2_sequential())]
    with contextlib.suppress(pytest.skip.Exception):  # without h5py: the hand-made seed
        seeds.append(h5py_file("latest", {"model_config": "{}"}))
    for seed in seeds:
        for _ in range(300):
            data = bytearray(seed)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(8, len(data))] = rng.randrange(256)
            file = scan(bytes(data))
            assert file.verdict is not Verdict.ERROR, file.findings


def test_one_gigabyte_keras_archive_scans_in_well_under_a_second(tmp_path):
    """A stored model.weights.h5 of 1 GiB (sparse): only its root header is read."""
    path = tmp_path / "big.keras"
    weights_size = 1 << 30
    kb.sparse_keras_archive(str(path), kb.keras3_sequential(), weights_size)
    assert path.stat().st_size > weights_size
    started = time.monotonic()
    file = scan_file(path)
    elapsed = time.monotonic() - started
    assert file.format == "keras"
    assert elapsed < 1.0, elapsed
    assert file.verdict is Verdict.CLEAN, file.findings
