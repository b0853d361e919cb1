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
