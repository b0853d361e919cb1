"""keras_metadata.pb (tf.keras SavedModel): layer configs get the Keras config checks."""

from __future__ import annotations

import base64
import io
import json
import marshal

from tests.fixtures.protobuf_builder import f, msg
from weightscan.scanner import Verdict, scan_stream


def saved_object(node_id: int, path: str, identifier: str, config: dict) -> bytes:
    fields = [f(3, path), f(4, identifier), f(5, json.dumps(config))]
    if node_id:
        fields.insert(0, f(2, node_id))
    return f(1, msg(*fields))


def metadata(*layers: dict) -> bytes:
    model = {
        "class_name": "Sequential",
        "name": "seq",
        "config": {"name": "seq", "layers": list(layers)},
    }
    nodes = [saved_object(0, "root", "_tf_keras_sequential", model)]
    nodes += [
        saved_object(i + 1, f"root.layer-{i}", "_tf_keras_layer", layer)
        for i, layer in enumerate(layers)
    ]
    return b"".join(nodes)


DENSE = {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 4}}


def scan(raw: bytes):
    return scan_stream(io.BytesIO(raw), name="keras_metadata.pb").files[0]


def test_ordinary_layers_are_clean():
    report = scan(metadata(DENSE))
    assert report.format == "tf-keras-metadata"
    assert report.verdict is Verdict.CLEAN, report.findings


def test_lambda_with_bytecode_is_malicious():
    code = base64.b64encode(marshal.dumps(compile("lambda x: x", "<l>", "eval"))).decode()
    lam = {
        "class_name": "Lambda",
        "name": "l",
        "config": {
            "name": "l",
            "function": {"class_name": "__tuple__", "items": [code, None, None]},
            "function_type": "lambda",
            "module": "builtins",
        },
    }
    report = scan(metadata(DENSE, lam))
    assert report.verdict is Verdict.MALICIOUS, report.findings


def test_broken_layer_json_is_not_clean():
    raw = metadata(DENSE) + f(1, msg(f(2, 9), f(4, "_tf_keras_layer"), f(5, "{not json")))
    assert scan(raw).verdict is not Verdict.CLEAN


def _shape(*dims: int | None) -> dict:
    return {"class_name": "TensorShape", "items": list(dims)}


def _spec(name: str, **extra: object) -> dict:
    serialized = [_shape(None, 8), "float32", "dense_input"]
    return {"class_name": "TypeSpec", "type_spec": name, "serialized": serialized, **extra}


def _dense_with(**fields: object) -> dict:
    return {**DENSE, **fields}


def test_json_encoder_shapes_and_specs_are_clean():
    # what tf.keras writes: build_input_shape, save_spec and full_save_spec values
    layer = _dense_with(
        build_input_shape=_shape(None, 8),
        save_spec=_spec("tf.TensorSpec"),
        full_save_spec={"class_name": "__tuple__", "items": [[_spec("tf.RaggedTensorSpec")], {}]},
    )
    report = scan(metadata(layer))
    assert report.verdict is Verdict.CLEAN, report.findings


def test_json_encoder_markers_vouch_for_nothing_else():
    cases = [
        _dense_with(save_spec=_spec("my_pkg.CustomSpec")),  # an app-registered spec
        _dense_with(save_spec=_spec(None)),
        _dense_with(build_input_shape={**_shape(8), "module": "my_pkg"}),
        # the spec's own content is still checked
        _dense_with(save_spec={**_spec("tf.TensorSpec"), "serialized": [DENSE | {"module": "x"}]}),
    ]
    for layer in cases:
        report = scan(metadata(layer))
        assert report.verdict is Verdict.SUSPICIOUS, layer
    danger = _dense_with(build_input_shape={**_shape(8), "module": "os"})
    assert scan(metadata(danger)).verdict is Verdict.MALICIOUS
