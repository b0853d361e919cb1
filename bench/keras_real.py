"""Keras and TensorFlow files written by the real libraries, scanned: harmless ones must be
clean, Lambda layers malicious, custom (registered) objects at most suspicious.

    python3 -m bench.keras_real build DIR    # with keras (any backend) and/or tensorflow
    python3 -m bench.keras_real build DIR --applications   # + keras.applications (~1 GB)
    python3 -m bench.keras_real scan DIR     # with weightscan; prints every verdict

The two steps may run under different interpreters: ``build`` imports only the model
libraries (each group is skipped when its library is missing), ``scan`` only weightscan.
A light setup: ``pip install keras`` next to torch (``KERAS_BACKEND=torch``) or jax; for
SavedModel, TFLite and Keras 2 files, a separate virtualenv with ``pip install
tensorflow-cpu tf-keras``. File names say what each one is expected to be: ``lambda*``
malicious, ``custom*`` suspicious or clean, everything else clean.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make "bench" and "weightscan" importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EXPECTED = {"lambda": {"malicious"}, "custom": {"clean", "suspicious"}}


# -- build ------------------------------------------------------------------------------
def _keras3_models(keras: Any) -> dict[str, Any]:
    layers = keras.layers
    seq = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            layers.Rescaling(1 / 255),
            layers.Conv2D(4, 3, padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.DepthwiseConv2D(3),
            layers.GlobalAveragePooling2D(),
            layers.Dropout(0.2),
            layers.Dense(3, activation="softmax", kernel_regularizer="l2"),
        ]
    )
    seq.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    text = keras.Input((12,), dtype="int32", name="tokens")
    extra = keras.Input((4,), name="extra")
    x = layers.Embedding(100, 8, mask_zero=True)(text)
    x = layers.Bidirectional(layers.GRU(4, return_sequences=True))(x)
    x = layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
    x = layers.LayerNormalization()(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.concatenate([x, layers.Dense(4, activation="gelu")(extra)])
    func = keras.Model(
        [text, extra],
        {
            "score": layers.Dense(1, activation="sigmoid", name="score")(x),
            "aux": layers.Dense(2, name="aux")(x),
        },
    )
    func.compile(
        optimizer=keras.optimizers.AdamW(1e-3),
        loss={"score": "binary_crossentropy", "aux": keras.losses.Huber()},
    )
    inner = keras.Sequential([keras.Input((6,)), layers.Dense(6, activation="tanh")], name="inner")
    outer_in = keras.Input((6,))
    nested = keras.Model(outer_in, layers.Add()([inner(outer_in), outer_in]))
    return {"sequential": seq, "functional": func, "nested": nested}


def _keras3_custom(keras: Any) -> dict[str, Any]:
    @keras.saving.register_keras_serializable(package="bench")
    class Scale(keras.layers.Layer):
        def __init__(self, factor: float = 2.0, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x: Any) -> Any:
            return x * self.factor

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "factor": self.factor}

    @keras.saving.register_keras_serializable(package="bench")
    def swish2(x: Any) -> Any:
        return x * keras.ops.sigmoid(2 * x)

    inputs = keras.Input((4,))
    out = keras.layers.Dense(2, activation=swish2)(Scale(3.0)(inputs))
    model = keras.Model(inputs, out)
    model.compile(optimizer="sgd", loss="mse")
    return {"custom_functional": model}


def _keras3_lambda(keras: Any) -> dict[str, Any]:
    inputs = keras.Input((4,))
    doubled = keras.layers.Lambda(lambda t: t * 2, name="double")(inputs)
    return {
        "lambda_functional": keras.Model(inputs, keras.layers.Dense(1)(doubled)),
        "lambda_sequential": keras.Sequential(
            [keras.Input((3,)), keras.layers.Lambda(lambda t: t + 1)]
        ),
    }


def build_keras3(out: Path) -> list[Path]:
    import keras

    made: list[Path] = []
    groups = [_keras3_models(keras), _keras3_custom(keras), _keras3_lambda(keras)]
    for group in groups:
        for name, model in group.items():
            suffix = f"_{keras.backend.backend()}"
            for ext in (".keras", ".h5"):
                path = out / f"{name}{suffix}{ext}"
                model.save(path)
                made.append(path)
            if not name.startswith("lambda"):
                path = out / f"{name}{suffix}.weights.h5"
                model.save_weights(path)
                made.append(path)
    return made


def build_tensorflow(out: Path) -> list[Path]:
    import tensorflow as tf

    made: list[Path] = []

    class Adder(tf.Module):
        def __init__(self) -> None:
            self.w = tf.Variable(tf.ones((3,)))

        @tf.function(input_signature=[tf.TensorSpec((None, 3), tf.float32)])
        def __call__(self, x: Any) -> Any:
            return tf.nn.relu(x + self.w)

    module = Adder()
    saved = out / "tf_module_savedmodel"
    tf.saved_model.save(module, str(saved))
    made.append(saved)
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
    tflite = out / "tf_module.tflite"
    tflite.write_bytes(converter.convert())
    made.append(tflite)
    try:
        import keras
    except ImportError:
        return made
    seq = _keras3_models(keras)["sequential"]
    export = out / "keras3_export_savedmodel"
    seq.export(str(export))  # the serving SavedModel Keras 3 writes with the TF backend
    made.append(export)
    lite = tf.lite.TFLiteConverter.from_keras_model(seq)
    quant = out / "keras3_sequential_dynamic_range.tflite"
    lite.optimizations = [tf.lite.Optimize.DEFAULT]
    quant.write_bytes(lite.convert())
    made.append(quant)
    return made


def build_tf_keras(out: Path) -> list[Path]:
    """Keras 2 (``tf_keras``): HDF5 with a Keras 2 config, and SavedModel + keras_metadata.pb."""
    import tf_keras as k2

    layers = k2.layers
    model = k2.Sequential(
        [
            layers.InputLayer((8,)),
            layers.Dense(8, activation="relu"),
            layers.Dropout(0.1),
            layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    lam = k2.Sequential([layers.InputLayer((3,)), layers.Lambda(lambda t: t * 3)])
    made = []
    for name, m in (("keras2_sequential", model), ("lambda_keras2", lam)):
        h5 = out / f"{name}.h5"
        m.save(h5, save_format="h5")
        saved = out / f"{name}_savedmodel"
        m.save(saved, save_format="tf")
        made += [h5, saved]
    return made


APPLICATIONS = ("MobileNetV2", "EfficientNetB0", "ConvNeXtTiny", "InceptionResNetV2", "ResNet50")


def build_applications(out: Path) -> list[Path]:
    """keras.applications (and tf_keras') architectures, untrained: ~1 GB in all."""
    made: list[Path] = []
    for module_name in ("keras", "tf_keras"):
        try:
            library = __import__(module_name)
        except ImportError:
            continue
        for name in APPLICATIONS:
            shape = (75, 75, 3) if name == "InceptionResNetV2" else (64, 64, 3)
            try:
                model = getattr(library.applications, name)(
                    weights=None, input_shape=shape, classes=10
                )
            except ValueError as exc:  # e.g. not available with this backend
                print(f"{module_name} {name}: skipped ({exc})")
                continue
            for ext in (".keras", ".h5") if module_name == "keras" else (".h5",):
                path = out / f"app_{module_name}_{name}{ext}"
                model.save(path)
                made.append(path)
    return made


BUILDERS: dict[str, Callable[[Path], list[Path]]] = {
    "keras3": build_keras3,
    "tensorflow": build_tensorflow,
    "tf_keras": build_tf_keras,
}


def build(out: Path, applications: bool = False) -> int:
    out.mkdir(parents=True, exist_ok=True)
    warnings.filterwarnings("ignore")
    builders = {**BUILDERS, "applications": build_applications} if applications else BUILDERS
    for name, builder in builders.items():
        try:
            made = builder(out)
        except ImportError as exc:
            print(f"{name}: skipped ({exc})")
            continue
        print(f"{name}: {len(made)} files or folders")
    return 0


# -- scan -------------------------------------------------------------------------------
def expected(path: str) -> set[str]:
    """What a file should scan as, from its name; in a SavedModel folder only
    keras_metadata.pb carries the layer configs (the graph holds traced ops only)."""
    parts = Path(path).parts
    named = parts if parts[-1] == "keras_metadata.pb" else parts[-1:]
    for prefix, verdicts in EXPECTED.items():
        if any(part.startswith(prefix) for part in named):
            return verdicts
    return {"clean"}


def scan(folder: Path) -> int:
    from weightscan.scanner import scan_path

    report = scan_path(folder)
    wrong = 0
    for file in report.files:
        rel = os.path.relpath(file.path, folder)
        want = expected(rel)
        ok = file.verdict.value in want
        wrong += not ok
        rules = sorted({f.rule_id for f in file.findings if f.severity.value != "info"})
        print(f"{'ok ' if ok else 'BAD'} {file.verdict.value:10} {rel:60} {','.join(rules)}")
    for skipped in report.skipped:
        print(f"skipped {skipped}")
    print(f"\n{len(report.files)} files, {wrong} with an unexpected verdict")
    return 1 if wrong else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("step", choices=("build", "scan"))
    parser.add_argument("folder", type=Path)
    parser.add_argument(
        "--applications", action="store_true", help="build: keras.applications models too"
    )
    args = parser.parse_args(argv)
    return build(args.folder, args.applications) if args.step == "build" else scan(args.folder)


if __name__ == "__main__":
    sys.exit(main())
