"""tch (Rust libtorch bindings) ``rust_model.ot``: VarStore::save writes a
torch::serialize::OutputArchive, i.e. a TorchScript zip of one ``__torch__.Module`` whose
attributes are the named tensors (``.`` in names replaced by ``|``). Such files are
TorchScript and scan clean; built here the way OutputArchive builds them."""

from __future__ import annotations

import pytest

from weightscan.scanner import Verdict, scan_path

torch = pytest.importorskip("torch")


def test_output_archive_file_is_clean_torchscript(tmp_path):
    cu = torch._C.CompilationUnit()
    module = torch._C.ScriptModule("__torch__.Module", cu, True)
    for name, shape in (("encoder|layer|0|weight", (4, 3)), ("encoder|layer|0|bias", (4,))):
        module._register_attribute(name, torch._C.TensorType.get(), torch.ones(shape))
    path = tmp_path / "rust_model.ot"
    module.save(str(path))
    report = scan_path(str(path)).files[0]
    assert report.format == "torchscript"
    assert report.verdict is Verdict.CLEAN, report.findings
