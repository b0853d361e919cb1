"""PyTorch and TorchScript zips: layout recognition, storages checked only at their head,
real ``torch.save`` / ``np.savez`` output, and the size-independent cost of a checkpoint."""

from __future__ import annotations

import io
import time

import pytest

from tests.fixtures.archives import (
    BENIGN,
    P0_PAYLOAD,
    P2_PAYLOAD,
    findings_for,
    make_zip,
    rules_of,
    scan_bytes,
    sparse_torch_zip,
    torch_like_zip,
)
from tests.optional import require
from weightscan.scanner import Verdict, scan_path


def test_storage_holding_a_pickle_is_reported_and_analysed():
    data = torch_like_zip(BENIGN, storages={"0": b"\0" * 64, "1": P2_PAYLOAD})
    report = scan_bytes(data)
    hidden = findings_for(report, "torch.storage-hides-content")
    assert hidden
    assert hidden[0].evidence["looks_like"] == "pickle"
    assert report.verdict is Verdict.MALICIOUS


def test_storage_holding_a_zip_is_reported():
    data = torch_like_zip(BENIGN, storages={"0": make_zip({"a.txt": b"x"})})
    report = scan_bytes(data)
    assert findings_for(report, "torch.storage-hides-content")[0].evidence["looks_like"] == "zip"
    assert report.verdict is Verdict.SUSPICIOUS


@pytest.mark.parametrize(
    "head",
    [b"\x80\x02" + bytes(62), b"\x80\x05\x00\x01" * 16, bytes(range(128, 192)), b"(" + bytes(63)],
)
def test_float_data_that_happens_to_start_like_a_pickle_is_not_flagged(head):
    report = scan_bytes(torch_like_zip(BENIGN, storages={"0": head}))
    assert "torch.storage-hides-content" not in rules_of(report)
    assert report.verdict is Verdict.CLEAN


def test_storages_are_not_reported_as_unknown_files():
    storages = {str(i): bytes([i]) * 4096 for i in range(50)}
    report = scan_bytes(torch_like_zip(BENIGN, storages=storages))
    assert report.verdict is Verdict.CLEAN
    assert report.summary["archive"]["storages"] == 50


def test_zip_laid_out_like_torch_without_data_pkl():
    data = make_zip(
        {"archive/data/0": b"\0" * 8, "archive/version": b"3\n", "archive/weights.bin": P2_PAYLOAD}
    )
    report = scan_bytes(data)
    assert "torch.missing-data-pkl" in rules_of(report)
    assert report.verdict is Verdict.MALICIOUS


def test_a_one_gigabyte_checkpoint_costs_the_same_as_a_small_one(tmp_path):
    """Only the pickle is read: a sparse 1 GiB storage must not be read or hashed."""
    path = tmp_path / "big.pt"
    sparse_torch_zip(str(path), 1 << 30, P2_PAYLOAD)
    started = time.monotonic()
    report = scan_path(path).files[0]
    elapsed = time.monotonic() - started
    assert report.format == "pytorch-zip"
    assert report.verdict is Verdict.MALICIOUS
    assert report.summary["archive"]["storage_bytes"] == 1 << 30
    assert elapsed < 1.0, elapsed


def test_numpy_savez_is_numpy_npz():
    np = pytest.importorskip("numpy")
    buf = io.BytesIO()
    np.savez(buf, a=np.arange(4), b=np.ones((2, 2)))
    report = scan_bytes(buf.getvalue(), name="arrays.npz")
    assert report.format == "numpy-npz"
    assert report.summary["archive"]["members"] == 2


def test_numpy_savez_compressed_members_are_inflated():
    np = pytest.importorskip("numpy")
    buf = io.BytesIO()
    np.savez_compressed(buf, a=np.zeros(1000))
    report = scan_bytes(buf.getvalue(), name="arrays.npz")
    assert report.format == "numpy-npz"
    assert report.summary["archive"]["decompressed_bytes"] > 8000


# -- real torch.save output (when torch is installed) ---------------------------------------


@pytest.fixture(scope="module")
def torch():
    return require("torch")


def test_real_torch_save_state_dict_is_clean(torch, tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), path)
    report = scan_path(path).files[0]
    assert report.format == "pytorch-zip"
    assert report.verdict is Verdict.CLEAN, report.findings
    assert report.summary["archive"]["storages"] == 4
    assert report.summary["archive"]["pickles"] == 1


def test_real_torch_save_with_a_custom_prefix_name_is_recognised(torch, tmp_path):
    path = tmp_path / "weird name.bin"
    torch.save({"w": torch.zeros(3)}, path)
    report = scan_path(path).files[0]
    assert report.format == "pytorch-zip"
    assert report.verdict is Verdict.CLEAN, report.findings


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_real_torchscript_archive_lists_its_code(torch, tmp_path):
    module = torch.jit.script(torch.nn.Linear(2, 2))
    path = tmp_path / "scripted.pt"
    torch.jit.save(module, path)
    report = scan_path(path).files[0]
    assert report.format == "torchscript"
    code = findings_for(report, "torchscript.code")
    assert code
    assert code[0].evidence["count"] >= 1
    assert "torchscript.suspicious-op" not in rules_of(report)
    assert "format.text" not in rules_of(report)  # code files are listed once, not each


def _torchscript_zip(code: bytes) -> bytes:
    return make_zip(
        [
            ("m/data.pkl", BENIGN),
            ("m/constants.pkl", b"\x80\x02)."),
            ("m/code/__torch__.py", code),
            ("m/version", b"3\n"),
        ]
    )


def test_torchscript_code_is_listed_once():
    report = scan_bytes(_torchscript_zip(b"def forward(self, x):\n    return x\n"))
    assert report.format == "torchscript"
    code = findings_for(report, "torchscript.code")
    assert code[0].evidence["files"] == ["m/code/__torch__.py"]
    assert "format.text" not in rules_of(report)


def test_torchscript_code_reading_files_is_suspicious():
    src = b"def forward(self):\n    t = torch.from_file('/etc/passwd', False, 100)\n    return t\n"
    report = scan_bytes(_torchscript_zip(src))
    assert findings_for(report, "torchscript.suspicious-op")[0].evidence["calls"] == [
        "torch.from_file"
    ]
    assert report.verdict is Verdict.SUSPICIOUS


def test_pickle_hidden_in_a_torch_metadata_record_is_analysed():
    data = make_zip({"archive/data.pkl": BENIGN, "archive/version": P0_PAYLOAD})
    report = scan_bytes(data)
    assert report.verdict is Verdict.MALICIOUS
