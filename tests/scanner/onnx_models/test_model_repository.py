"""A repository of ordinary ONNX, TensorFlow, TFLite and CoreML exports scans clean as a
folder; the same repository with one attack per format is flagged with each reason."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures import coreml_builder as cb
from tests.fixtures import tensorflow_builder as tb
from tests.fixtures.flatbuffer_builder import tflite_model
from tests.fixtures.onnx_builder import data, external, model, save_with_external_data, tensor
from tests.fixtures.protobuf_builder import f, msg
from weightscan.scanner import Verdict, scan_path


def repository(root: Path) -> Path:
    onnx_dir = root / "onnx"
    onnx_dir.mkdir(parents=True)
    save_with_external_data(model([tensor("w", [2, 3]), tensor("b", [3])]), onnx_dir)
    (onnx_dir / "small.onnx").write_bytes(data(model()))
    sm = root / "saved_model"
    (sm / "variables").mkdir(parents=True)
    (sm / "assets").mkdir()
    (sm / "saved_model.pb").write_bytes(tb.saved_model(tb.benign_graph(), assets=("vocab.txt",)))
    (sm / "assets" / "vocab.txt").write_text("a\nb\n")
    (sm / "variables" / "variables.index").write_bytes(tb.checkpoint_index())
    (sm / "variables" / "variables.data-00000-of-00001").write_bytes(bytes(range(256)) * 8)
    (root / "model.tflite").write_bytes(tflite_model([0, 3]))
    package = root / "Model.mlpackage"
    weights = package / "Data" / "com.apple.CoreML" / "weights"
    weights.mkdir(parents=True)
    (package / "Manifest.json").write_text(json.dumps({"rootModelIdentifier": "A"}))
    (weights.parent / "model.mlmodel").write_bytes(cb.model(502, msg(f(1, 1)), version=7))
    (weights / "weight.bin").write_bytes(cb.weight_file([b"\1" * 64]))
    (root / "README.md").write_text("# exports\n")
    return root


def verdicts(root: Path) -> dict[str, Verdict]:
    return {str(Path(r.path).relative_to(root)): r.verdict for r in scan_path(root).files}


def test_ordinary_exports_scan_clean(tmp_path):
    found = verdicts(repository(tmp_path))
    assert len(found) == 12
    assert set(found.values()) == {Verdict.CLEAN}, found


def test_each_attack_is_flagged_with_its_reason(tmp_path):
    root = repository(tmp_path)
    (root / "onnx" / "small.onnx").write_bytes(
        data(model([external(tensor("w", [2, 3]), "../../../etc/passwd")]))
    )
    (root / "saved_model" / "saved_model.pb").write_bytes(
        tb.saved_model(tb.benign_graph(tb.node("p", "EagerPyFunc")))
    )
    (root / "model.tflite").write_bytes(tflite_model([0], customs=["FlexPyFunc"]))
    reports = {str(Path(r.path).relative_to(root)): r for r in scan_path(root).files}
    expected = {
        "onnx/small.onnx": "onnx.external-data.traversal",
        "saved_model/saved_model.pb": "tensorflow.op.python",
        "model.tflite": "tensorflow.op.python",
    }
    for path, rule_id in expected.items():
        assert reports[path].verdict is Verdict.MALICIOUS
        assert rule_id in {x.rule_id for x in reports[path].findings}
    others = {p: r.verdict for p, r in reports.items() if p not in expected}
    assert set(others.values()) == {Verdict.CLEAN}, others
