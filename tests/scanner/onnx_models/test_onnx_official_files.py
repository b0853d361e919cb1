"""Real ONNX files: every model and test tensor the onnx package ships scans clean."""

from __future__ import annotations

from pathlib import Path

import pytest

onnx = pytest.importorskip("onnx")

from weightscan.scanner import Verdict, scan_file  # noqa: E402

DATA = Path(onnx.__file__).parent / "backend" / "test" / "data"
FILES = sorted(p for p in DATA.rglob("*") if p.suffix in (".onnx", ".pb"))


@pytest.mark.skipif(not FILES, reason="this onnx build ships no backend test data")
def test_every_shipped_model_and_tensor_is_clean():
    reports = [scan_file(p) for p in FILES]
    unclean = [
        (r.path, r.format, [f.rule_id for f in r.findings])
        for r in reports
        if r.verdict is not Verdict.CLEAN
    ]
    assert not unclean, unclean[:5]
    formats = {r.format for r in reports}
    assert formats <= {"onnx", "onnx-tensor"}, formats
    models = [r for r in reports if r.format == "onnx"]
    for report in models[:20]:  # the oracle's counts agree with ours
        parsed = onnx.load(report.path, load_external_data=False)
        assert report.summary["onnx"]["nodes"] == len(parsed.graph.node)
        assert report.summary["onnx"]["initializers"] == len(parsed.graph.initializer) + len(
            parsed.graph.sparse_initializer
        )
