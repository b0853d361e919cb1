"""Files written by the real Keras 3, when it is installed: ordinary models in every save
format are clean, a Lambda is malicious, a custom layer or function suspicious.

Skipped without keras (not a dev dependency: it needs a backend). To run it:
``pip install keras`` next to torch (or jax, or tensorflow), then this file.
``python -m bench.keras_real`` builds more (TensorFlow SavedModel and TFLite, Keras 2,
keras.applications) and scans them.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from weightscan.scanner import Verdict, scan_path

# the first backend installed (Keras itself defaults to tensorflow)
_BACKEND = next((b for b in ("torch", "jax", "tensorflow") if importlib.util.find_spec(b)), None)
if _BACKEND is not None:
    os.environ.setdefault("KERAS_BACKEND", _BACKEND)
keras = pytest.importorskip("keras")
pytest.importorskip("h5py")


def _models() -> dict[str, object]:
    layers = keras.layers
    seq = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(8, 3, activation="relu"),
            layers.BatchNormalization(),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )
    seq.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    tokens = keras.Input((20,), dtype="int32")
    x = layers.LSTM(16)(layers.Embedding(1000, 32)(tokens))
    joined = layers.concatenate([x, layers.Dense(8, activation="gelu")(x)])
    func = keras.Model(tokens, layers.Dense(1, activation="sigmoid")(joined))
    func.compile(
        optimizer=keras.optimizers.AdamW(1e-3),
        loss=keras.losses.BinaryCrossentropy(),
        metrics=[keras.metrics.AUC()],
    )
    # mask_zero and keras.ops on symbolic tensors record operation nodes (NotEqual, Add...)
    text = keras.Input((12,), dtype="int32")
    extra = keras.Input((4,))
    h = layers.Embedding(100, 8, mask_zero=True)(text)
    h = layers.Bidirectional(layers.GRU(4, return_sequences=True))(h)
    h = layers.LayerNormalization()(layers.MultiHeadAttention(2, 4)(h, h))
    h = keras.ops.add(layers.GlobalMaxPooling1D()(h), layers.Dense(8)(extra))
    masked = keras.Model([text, extra], {"score": layers.Dense(1, name="score")(h)})
    masked.compile(optimizer="rmsprop", loss={"score": keras.losses.Huber()})
    inner = keras.Sequential([keras.Input((6,)), layers.Dense(6, activation="tanh")])
    start = keras.Input((6,))
    nested = keras.Model(start, layers.Add()([inner(start), start]))
    return {"seq": seq, "func": func, "masked": masked, "nested": nested}


def test_real_keras_saves_are_clean(tmp_path: Path):
    for name, model in _models().items():
        model.save(tmp_path / f"{name}.keras")
        model.save(tmp_path / f"{name}.h5")  # the legacy HDF5 format
        model.save_weights(tmp_path / f"{name}.weights.h5")
        (tmp_path / f"{name}.json").write_text(model.to_json())
    report = scan_path(tmp_path)
    bad = {
        f.path: [x.rule_id for x in f.findings]
        for f in report.files
        if f.verdict is not Verdict.CLEAN
    }
    assert not bad


def test_real_keras_lambda_and_custom_layer(tmp_path: Path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda x: x * 2)])
    start = keras.Input((4,))
    func = keras.Model(start, keras.layers.Dense(1)(keras.layers.Lambda(lambda x: x + 1)(start)))
    for stem, lam in (("lambda", model), ("lambda_func", func)):
        lam.save(tmp_path / f"{stem}.keras")
        lam.save(tmp_path / f"{stem}.h5")
    for name in ("lambda.keras", "lambda.h5", "lambda_func.keras", "lambda_func.h5"):
        (file,) = scan_path(tmp_path / name).files
        assert file.verdict is Verdict.MALICIOUS
        assert "keras.lambda-bytecode" in {f.rule_id for f in file.findings}

    @keras.saving.register_keras_serializable(package="weightscan_test")
    class Passthrough(keras.layers.Layer):
        def call(self, x):
            return x

    @keras.saving.register_keras_serializable(package="weightscan_test")
    def doubled_relu(x):
        return keras.ops.relu(x) * 2

    custom = keras.Sequential([keras.Input((4,)), Passthrough()])
    custom.save(tmp_path / "custom.keras")
    start = keras.Input((4,))
    activation = keras.Model(start, keras.layers.Dense(2, activation=doubled_relu)(start))
    activation.save(tmp_path / "custom_activation.keras")
    activation.save(tmp_path / "custom_activation.h5")
    for name in ("custom.keras", "custom_activation.keras", "custom_activation.h5"):
        (file,) = scan_path(tmp_path / name).files
        assert file.verdict is Verdict.SUSPICIOUS, name
        assert "keras.custom-object" in {f.rule_id for f in file.findings}
    assert "keras.custom-object" in {f.rule_id for f in file.findings}
