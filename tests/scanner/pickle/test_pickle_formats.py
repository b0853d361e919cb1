"""Legacy torch.save streams and .npy files: layout checks and embedded pickles."""

from __future__ import annotations

import ast
import io
import struct

import pytest

from tests.fixtures.pickles import os_system
from tests.optional import require
from tests.scanner.pickle.helpers import finding, no_internal_error, rules, scan
from weightscan.scanner import Verdict


def _npy(header: dict, data: bytes, version: tuple[int, int] = (1, 0)) -> bytes:
    text = repr(header).encode("latin-1")
    text += b" " * (63 - (len(text) + 10) % 64) + b"\n"
    length = struct.pack("<H", len(text)) if version[0] == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes(version) + length + text + data


def test_npy_data_length_mismatch():
    header = {"descr": "<f8", "fortran_order": False, "shape": (4,)}
    short = scan(_npy(header, b"\x00" * 24), "x.npy")
    assert finding(short, "pickle.npy.header", expected=32, actual=24)
    longer = scan(_npy(header, b"\x00" * 40), "x.npy")
    assert longer.verdict is Verdict.SUSPICIOUS


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_npy_versions(version):
    header = {"descr": "<i4", "fortran_order": False, "shape": (2, 2)}
    assert scan(_npy(header, b"\x00" * 16, version), "x.npy").verdict is Verdict.CLEAN


def test_npy_header_is_never_evaluated():
    payload = b"__import__('os').system('echo hi')    \n"
    data = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(payload)) + payload
    report = scan(data, "x.npy")
    assert "pickle.npy.header" in rules(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_npy_object_array_with_malicious_pickle():
    header = {"descr": "|O", "fortran_order": False, "shape": (1,)}
    report = scan(_npy(header, os_system()), "x.npy")
    assert report.verdict is Verdict.MALICIOUS
    assert finding(report, "pickle.import.malicious", module="os", name="system")
    assert ast.literal_eval(repr(header)) == header


@pytest.fixture(scope="module")
def torch():
    return require("torch")


def _legacy(obj) -> bytes:
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    return buf.getvalue()


def test_legacy_torch_state_dict_is_clean_and_weights_only_loadable(torch):
    sd = {
        "w": torch.arange(6, dtype=torch.float32),
        "h": torch.zeros(3, dtype=torch.float16),
        "shared_view": torch.arange(10)[2:5],
        "b": torch.tensor([True, False]),
    }
    report = scan(_legacy(sd), "m.pt")
    assert report.format == "pytorch-legacy"
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]
    assert report.summary["pickle"]["weights_only_loadable"] is True


def test_legacy_torch_full_module_is_clean_but_not_weights_only(torch):
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
    report = scan(_legacy(model), "m.pt")
    no_internal_error(report)
    assert report.summary["pickle"]["weights_only_loadable"] is False
    assert "pickle.torch.weights-only-incompatible" in rules(report)


def test_legacy_torch_trailing_and_missing_bytes(torch):
    data = _legacy({"w": torch.ones(4)})
    extra = scan(data + b"hidden", "m.pt")
    assert finding(extra, "pickle.legacy-torch.layout", bytes=6)
    assert extra.verdict is Verdict.SUSPICIOUS
    cut = scan(data[:-3], "m.pt")
    assert "pickle.legacy-torch.layout" in rules(cut)


def test_legacy_torch_with_payload_in_the_object_pickle(torch):
    data = _legacy({"w": torch.ones(2)})
    # replace the storage-keys pickle's position: put a malicious pickle as the object
    import pickle

    from weightscan.scanner.pickle.legacy_torch import MAGIC_NUMBER

    head = b"".join(pickle.dumps(v, protocol=2) for v in (MAGIC_NUMBER, 1001, {"x": 1}))
    report = scan(head + os_system() + pickle.dumps([], protocol=2), "m.pt")
    assert report.verdict is Verdict.MALICIOUS
    assert data
