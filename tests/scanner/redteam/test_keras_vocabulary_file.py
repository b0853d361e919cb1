"""Keras lookup layers whose ``vocabulary`` is a path (CVE-2025-12058).

StringLookup, IntegerLookup and TextVectorization open a string vocabulary with
tf.io.gfile while the model is built, in safe mode too: ``/etc/passwd`` (or an
``http://``/``gs://`` URL, fetched from the loading machine) becomes the model's
vocabulary. Only built-in Keras classes are involved, so the config scanned clean.
"""

from __future__ import annotations

import io

import pytest

from tests.fixtures import keras_builder as kb
from weightscan.scanner import Verdict, scan_stream


def _scan(data: bytes, name: str):
    (file,) = scan_stream(io.BytesIO(data), name=name).files
    return file


@pytest.mark.parametrize(
    ("cls", "where"),
    [
        ("StringLookup", "/etc/passwd"),
        ("IntegerLookup", "http://169.254.169.254/latest/meta-data/"),
        ("TextVectorization", "../../.ssh/id_rsa"),
    ],
)
@pytest.mark.parametrize("container", ["keras3", "h5"])
def test_vocabulary_path_is_malicious(cls: str, where: str, container: str) -> None:
    layer_config = {"name": "lookup", "vocabulary": where, "num_oov_indices": 1}
    if container == "keras3":
        layer = kb.k3(cls, layer_config)
        file = _scan(kb.keras_archive(kb.keras3_sequential([layer])), "model.keras")
    else:
        layer = kb.k2(cls, layer_config)
        file = _scan(kb.keras2_h5(kb.keras2_sequential([layer])), "model.h5")
    assert file.verdict is Verdict.MALICIOUS, file.findings
    assert "keras.vocabulary-file" in {f.rule_id for f in file.findings}


def test_inline_vocabulary_stays_clean() -> None:
    layer = kb.k3(
        "StringLookup", {"name": "lookup", "vocabulary": ["a", "b", "c"], "num_oov_indices": 1}
    )
    file = _scan(kb.keras_archive(kb.keras3_sequential([layer])), "model.keras")
    assert file.verdict is Verdict.CLEAN, file.findings
