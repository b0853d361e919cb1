"""CoreML: ordinary models and .mlpackage folders are clean; custom layers and models
(code the app must ship) are listed; linked models out of the folder and opaque models
are not clean."""

from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.coreml_builder import (
    custom_layer,
    layer,
    linked,
    model,
    network,
    pipeline,
    weight_file,
)
from tests.fixtures.protobuf_builder import f, msg
from weightscan.scanner import Verdict, scan_path, scan_stream
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.formats import Format
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.sniff import sniff_format
from weightscan.scanner.source import Source

NN = model(500, network(layer("fc1"), layer("fc2")))


def scan_bytes(raw: bytes):
    return scan_stream(io.BytesIO(raw), name="model.mlmodel").files[0]


def by_rule(report, rule_id: str):
    return [x for x in report.findings if x.rule_id == rule_id]


def test_neural_network_and_classic_models_are_clean():
    assert sniff_format(Source(io.BytesIO(NN))) is Format.COREML
    report = scan_bytes(NN)
    assert report.format == "coreml"
    assert report.verdict is Verdict.CLEAN, report.findings
    assert report.summary["coreml"] == {
        "specification_version": 4,
        "types": ["neuralNetwork"],
        "layers": 2,
    }
    tree = model(402, msg(f(1, msg(f(1, 1)))))  # treeEnsembleClassifier
    assert scan_bytes(tree).verdict is Verdict.CLEAN


def test_custom_layers_and_models_are_listed():
    raw = model(500, network(layer("fc"), custom_layer("c", "MyCustomSoftmax")))
    report = scan_bytes(raw)
    assert report.verdict is Verdict.CLEAN
    assert by_rule(report, "coreml.custom-code")[0].evidence == {
        "kind": "layer",
        "classes": ["MyCustomSoftmax"],
    }
    custom_model = scan_bytes(model(555, msg(f(10, "MyModelClass"))))
    assert by_rule(custom_model, "coreml.custom-code")[0].evidence["kind"] == "model"


def test_custom_layers_inside_pipelines_and_loops_are_found():
    loop = layer("loop", 615, msg(f(4, network(custom_layer("x", "InLoop")))))
    inner = model(403, network(loop))
    raw = model(200, msg(f(1, pipeline(NN, inner))))
    report = scan_bytes(raw)
    assert by_rule(report, "coreml.custom-code")[0].evidence["classes"] == ["InLoop"]


def test_linked_models_are_listed_and_escapes_are_suspicious():
    ok = scan_bytes(model(556, linked("Feature.mlmodelc", "$BUNDLE_MAIN")))
    assert ok.verdict is Verdict.CLEAN
    assert by_rule(ok, "coreml.linked-model")
    bad = scan_bytes(model(556, linked("Feature.mlmodelc", ".:/private/var/x")))
    assert bad.verdict is Verdict.SUSPICIOUS


def test_serialized_private_model_is_suspicious():
    report = scan_bytes(model(3000, msg(f(1, "private"), f(2, b"\x00" * 32))))
    assert report.verdict is Verdict.SUSPICIOUS


def test_mlpackage_folder_is_clean(tmp_path):
    package = tmp_path / "Model.mlpackage"
    data = package / "Data" / "com.apple.CoreML"
    (data / "weights").mkdir(parents=True)
    (package / "Manifest.json").write_text(
        json.dumps(
            {
                "fileFormatVersion": "1.0.0",
                "rootModelIdentifier": "A",
                "itemInfoEntries": {"A": {"path": "com.apple.CoreML/model.mlmodel"}},
            }
        )
    )
    (data / "model.mlmodel").write_bytes(model(502, msg(f(1, 1)), version=7))
    (data / "weights" / "weight.bin").write_bytes(weight_file([b"\1" * 100, b"\2" * 64]))
    reports = scan_path(tmp_path).files
    assert [r.verdict for r in reports] == [Verdict.CLEAN] * 3, [r.findings for r in reports]
    assert {r.format for r in reports} == {"text", "coreml", "coreml-weights"}


def test_weight_file_with_a_blob_past_the_end_is_not_clean():
    raw = bytearray(weight_file([b"\1" * 100]))
    raw[64 + 8 : 64 + 16] = (1 << 40).to_bytes(8, "little")
    report = scan_stream(io.BytesIO(bytes(raw)), name="weight.bin").files[0]
    assert report.verdict is Verdict.SUSPICIOUS


def test_truncated_model_is_not_clean():
    assert scan_bytes(NN[:-5]).verdict is not Verdict.CLEAN


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(0, len(NN) - 1), st.integers(0, 255)), min_size=1, max_size=8),
    st.sampled_from([None, Format.COREML, Format.COREML_WEIGHTS]),
)
def test_mutations_never_crash(edits, fmt):
    raw = bytearray(NN if fmt is not Format.COREML_WEIGHTS else weight_file([b"\1" * 70]))
    for pos, value in edits:
        raw[pos % len(raw)] = value
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    analyze(Source(io.BytesIO(bytes(raw))), ctx, fmt)
    assert all(x.rule_id != "scanner.internal-error" for x in ctx.findings), ctx.findings
