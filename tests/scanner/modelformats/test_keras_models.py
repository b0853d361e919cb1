"""Keras 3 `.keras` archives and Keras 2 HDF5 models: benign exports clean, attacks named."""

from __future__ import annotations

import io
import json

import pytest

from tests.fixtures import keras_builder as kb
from tests.fixtures.hdf5_builder import hdf5_file
from tests.fixtures.pickles import os_system
from weightscan.scanner import Verdict, scan_stream


def scan(data: bytes, name: str = "model.keras"):
    (file,) = scan_stream(io.BytesIO(data), name=name).files
    return file


def rules(file) -> set[str]:
    return {f.rule_id for f in file.findings}


# -- Keras 3 ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "config", [kb.keras3_sequential(), kb.keras3_functional()], ids=["sequential", "functional"]
)
def test_benign_keras3_archives_are_clean(config):
    file = scan(kb.keras_archive(config))
    assert file.format == "keras"
    assert file.verdict is Verdict.CLEAN, file.findings
    members = file.summary["members"]
    assert members["config.json"]["keras_config"]["objects"] > 5


def test_keras3_lambda_bytecode_is_malicious():
    file = scan(kb.keras_archive(kb.keras3_sequential([kb.keras3_lambda_layer()])))
    assert file.verdict is Verdict.MALICIOUS
    finding = next(f for f in file.findings if f.rule_id == "keras.lambda-bytecode")
    assert finding.location.member == "config.json"
    assert "layers" in finding.evidence["path"]


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("builtins", "eval"),
        ("os", "system"),
        ("subprocess", "check_output"),
        ("keras.config", "enable_unsafe_deserialization"),
        ("keras.utils", "get_file"),
    ],
)
def test_keras3_dangerous_functions_are_malicious(module, name):
    layer = kb.k3("Activation", {"name": "act", "activation": kb.keras3_function(module, name)})
    file = scan(kb.keras_archive(kb.keras3_sequential([layer])))
    assert file.verdict is Verdict.MALICIOUS
    assert "keras.dangerous-callable" in rules(file)


def test_keras3_object_from_a_dangerous_module_is_malicious():
    obj = kb.k3("Popen", {"args": ["touch", "/tmp/x"]}, module="subprocess")
    file = scan(kb.keras_archive(kb.keras3_sequential([obj])))
    assert file.verdict is Verdict.MALICIOUS


def test_keras3_custom_layer_is_suspicious():
    custom = kb.k3(
        "MyAttention",
        {"name": "att", "units": 4},
        module="my_package.layers",
        registered_name="my_package>MyAttention",
    )
    file = scan(kb.keras_archive(kb.keras3_sequential([custom])))
    assert file.verdict is Verdict.SUSPICIOUS
    finding = next(f for f in file.findings if f.rule_id == "keras.custom-object")
    assert finding.evidence["module"] == "my_package.layers"


def test_keras3_user_function_is_suspicious():
    layer = kb.k3("Activation", {"name": "a", "activation": kb.keras3_function("__main__", "f")})
    file = scan(kb.keras_archive(kb.keras3_sequential([layer])))
    assert file.verdict is Verdict.SUSPICIOUS


def test_keras3_registered_custom_function_is_suspicious():
    # what register_keras_serializable(package="pkg") writes for a function: module
    # "builtins", the name "pkg>fn"; the loader takes it from the app's custom objects
    fn = kb.keras3_function("builtins", "my_pkg>doubled_relu")
    layer = kb.k3("Activation", {"name": "a", "activation": fn})
    file = scan(kb.keras_archive(kb.keras3_sequential([layer])))
    assert file.verdict is Verdict.SUSPICIOUS
    assert "keras.custom-object" in rules(file)


def test_keras3_builtin_activation_by_name_is_clean():
    layer = kb.k3("Activation", {"name": "a", "activation": kb.keras3_function("builtins", "gelu")})
    assert scan(kb.keras_archive(kb.keras3_sequential([layer]))).verdict is Verdict.CLEAN


def test_tfsm_layer_is_suspicious():
    layer = kb.k3("TFSMLayer", {"name": "sm", "filepath": "/srv/other_model"})
    file = scan(kb.keras_archive(kb.keras3_sequential([layer])))
    assert file.verdict is Verdict.SUSPICIOUS
    assert "keras.external-resource" in rules(file)


def test_broken_config_json_is_suspicious():
    file = scan(kb.keras_archive('{"class_name": "Sequential", '))
    assert file.verdict is Verdict.SUSPICIOUS
    assert "keras.config-invalid" in rules(file)


def test_deeply_nested_config_is_suspicious_not_an_error():
    file = scan(kb.keras_archive("[" * 100_000 + "]" * 100_000))
    assert file.verdict is Verdict.SUSPICIOUS


def test_a_pickle_next_to_the_config_is_still_analysed():
    data = kb.keras_archive(kb.keras3_sequential(), weights=os_system())
    assert scan(data).verdict is Verdict.MALICIOUS


# -- Keras 2 HDF5 ---------------------------------------------------------------------------
def test_benign_keras2_h5_is_clean():
    file = scan(kb.keras2_h5(kb.keras2_sequential()), "model.h5")
    assert file.format == "hdf5"
    assert file.verdict is Verdict.CLEAN, file.findings
    assert file.summary["hdf5"]["keras_model"] is True
    assert file.summary["hdf5"]["keras_version"] == "2.13.1"


def test_keras2_lambda_is_malicious():
    file = scan(kb.keras2_h5(kb.keras2_sequential([kb.keras2_lambda()])), "model.h5")
    assert file.verdict is Verdict.MALICIOUS
    assert "keras.lambda-bytecode" in rules(file)


@pytest.mark.parametrize(
    ("symbol", "verdict"),
    [
        ("__operators__.add", Verdict.CLEAN),
        ("math.reduce_mean", Verdict.CLEAN),
        ("io.write_file", Verdict.SUSPICIOUS),
        ("numpy_function", Verdict.SUSPICIOUS),
        ("os.system", Verdict.MALICIOUS),
    ],
)
def test_keras2_tf_op_lambda(symbol, verdict):
    file = scan(kb.keras2_h5(kb.keras2_sequential([kb.keras2_tf_op(symbol)])), "model.h5")
    assert file.verdict is verdict, file.findings


def test_keras2_unknown_class_is_suspicious():
    layer = kb.k2("MyCustomLayer", {"name": "mine"})
    file = scan(kb.keras2_h5(kb.keras2_sequential([layer])), "model.h5")
    assert file.verdict is Verdict.SUSPICIOUS
    assert "keras.custom-object" in rules(file)


def test_keras2_lambda_naming_os_system_is_malicious():
    layer = kb.k2(
        "Lambda", {"name": "l", "function": "system", "function_type": "function", "module": "os"}
    )
    file = scan(kb.keras2_h5(kb.keras2_sequential([layer])), "model.h5")
    assert file.verdict is Verdict.MALICIOUS


def test_lambda_in_training_config_is_found():
    training = json.dumps({"loss": kb.keras3_function("builtins", "exec")})
    data = hdf5_file(
        {"model_config": json.dumps(kb.keras2_sequential()), "training_config": training}
    )
    assert scan(data, "model.h5").verdict is Verdict.MALICIOUS


def test_weights_only_h5_is_clean():
    file = scan(hdf5_file({"layer_names": "dense", "backend": "tensorflow"}), "w.h5")
    assert file.verdict is Verdict.CLEAN
    assert file.summary["hdf5"]["keras_model"] is False


# -- Keras JSON outside an archive (model.to_json(), keras-hub presets) ---------------------
def test_model_to_json_output_is_checked():
    benign = json.dumps(
        {**kb.keras2_sequential(), "keras_version": "2.13.1", "backend": "tensorflow"}
    )
    assert scan(benign.encode(), "model.json").verdict is Verdict.CLEAN
    attack = json.dumps(kb.keras2_sequential([kb.keras2_lambda()]))
    file = scan(attack.encode(), "model.json")
    assert file.verdict is Verdict.MALICIOUS
    assert "keras.lambda-bytecode" in rules(file)


def test_keras_hub_style_config_json_is_checked():
    preset = kb.k3(
        "GemmaBackbone",
        {"vocabulary_size": 256, "num_layers": 2},
        module="keras_hub.src.models.gemma.gemma_backbone",
        registered_name="keras_hub>GemmaBackbone",
    )
    assert scan(json.dumps(preset).encode(), "config.json").verdict is Verdict.SUSPICIOUS


def test_other_json_is_left_alone():
    hf = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": 768,
        "class_name": "not-keras",
    }
    assert scan(json.dumps(hf).encode(), "config.json").verdict is Verdict.CLEAN


# -- shapes real Keras 2 releases write -------------------------------------------------------
def _keras2_11_training_config() -> str:
    """tf.keras 2.11+: its own optimizers are registered as "Custom>Adam"."""
    return json.dumps(
        {
            "loss": kb.k2(
                "SparseCategoricalCrossentropy", {"reduction": "auto", "from_logits": True}
            ),
            "metrics": [
                [
                    kb.k2(
                        "MeanMetricWrapper",
                        {
                            "name": "accuracy",
                            "dtype": "float32",
                            "fn": "sparse_categorical_accuracy",
                        },
                    )
                ]
            ],
            "weighted_metrics": None,
            "loss_weights": None,
            "optimizer_config": kb.k2(
                "Custom>Adam",
                {"name": "Adam", "learning_rate": 0.001, "is_legacy_optimizer": False},
            ),
        }
    )


def _keras2_functional() -> dict:
    """tf.keras 2.13: "module" and "registered_name" on every layer, list inbound nodes."""

    def layer(cls, name, inbound, **config):
        return {
            "module": "keras.layers",
            "class_name": cls,
            "registered_name": None,
            "config": {"name": name, "trainable": True, "dtype": "float32", **config},
            "name": name,
            "inbound_nodes": inbound,
        }

    layers = [
        layer("InputLayer", "input_1", [], batch_input_shape=[None, 8], sparse=False),
        layer("Dense", "dense", [[["input_1", 0, 0, {}]]], units=4, activation="relu"),
        layer("Dense", "dense_1", [[["input_1", 0, 0, {}]]], units=4, activation="tanh"),
        layer(
            "Concatenate", "concatenate", [[["dense", 0, 0, {}], ["dense_1", 0, 0, {}]]], axis=-1
        ),
        layer(
            "TFOpLambda",
            "tf.math.multiply",
            [["concatenate", 0, 0, {"y": 2.0}]],
            function="math.multiply",
        ),
    ]
    return {
        "class_name": "Functional",
        "config": {
            "name": "model",
            "layers": layers,
            "input_layers": [["input_1", 0, 0]],
            "output_layers": [["tf.math.multiply", 0, 0]],
        },
    }


def test_keras2_13_functional_with_custom_adam_is_clean():
    data = hdf5_file(
        {
            "backend": "tensorflow",
            "keras_version": "2.13.1",
            "model_config": json.dumps(_keras2_functional()),
            "training_config": _keras2_11_training_config(),
        }
    )
    file = scan(data, "model.h5")
    assert file.verdict is Verdict.CLEAN, file.findings


@pytest.mark.parametrize(
    ("op", "verdict"),
    [
        ("AddV2", Verdict.CLEAN),
        ("WriteFile", Verdict.SUSPICIOUS),
        ("EagerPyFunc", Verdict.MALICIOUS),
    ],
)
def test_tensorflow_op_layer(op, verdict):
    layer = kb.k2(
        "TensorFlowOpLayer",
        {
            "name": "tf_op_layer",
            "node_def": {"name": "x", "op": op, "input": ["dense/Relu"], "attr": {}},
            "constants": {},
        },
    )
    file = scan(kb.keras2_h5(kb.keras2_sequential([layer])), "model.h5")
    assert file.verdict is verdict, file.findings


@pytest.mark.parametrize(
    ("layer", "verdict"),
    [
        # Keras 3 records keras.ops calls as operation nodes; legacy HDF5 names no module
        (kb.k2("NotEqual", {"name": "not_equal"}), Verdict.CLEAN),
        (kb.k2("Matmul", {"name": "matmul"}), Verdict.CLEAN),
        # keras.applications' own layers (ConvNeXt, InceptionResNetV2)
        (
            kb.k2("LayerScale", {"name": "ls", "init_values": 1e-6, "projection_dim": 8}),
            Verdict.CLEAN,
        ),
        # operations that take Python callables are not cleared by name
        (kb.k2("WhileLoop", {"name": "while_loop"}), Verdict.SUSPICIOUS),
        (kb.k2("Cond", {"name": "cond"}), Verdict.SUSPICIOUS),
        # a known operation name does not vouch for a module outside Keras
        (kb.k2("NotEqual", {"name": "n"}, module="os"), Verdict.MALICIOUS),
        (kb.k2("NotEqual", {"name": "n"}, module="mypkg.ops"), Verdict.SUSPICIOUS),
        (kb.k2("NotEqual", {"name": "n"}, registered_name="evil>NotEqual"), Verdict.SUSPICIOUS),
    ],
    ids=[
        "not-equal",
        "matmul",
        "layer-scale",
        "while-loop",
        "cond",
        "os-module",
        "other-module",
        "registered",
    ],
)
def test_keras3_operation_nodes_in_legacy_h5(layer, verdict):
    file = scan(kb.keras2_h5(kb.keras2_sequential([layer])), "model.h5")
    assert file.verdict is verdict, file.findings
