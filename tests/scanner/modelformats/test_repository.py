"""A model repository holding every format of this package: ordinary exports scan clean
as a folder, and each attack is flagged with its reason."""

from __future__ import annotations

import json
import struct

import pytest

from tests.fixtures import keras_builder as kb
from tests.fixtures.archives import BENIGN, torch_like_zip
from tests.scanner.modelformats.test_embeddings import fasttext, word2vec
from tests.scanner.modelformats.test_nemo import CONFIG, nemo, with_target
from weightscan.scanner import Verdict, scan_path


def _npy_py2() -> bytes:
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 2L), }"
    header += b" " * (-(10 + len(header) + 1) % 16) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(32)


def benign_repository() -> dict[str, bytes]:
    return {
        "model.keras": kb.keras_archive(kb.keras3_functional()),
        "model.h5": kb.keras2_h5(kb.keras2_sequential()),
        "model.json": json.dumps(kb.keras2_sequential()).encode(),
        "asr.nemo": nemo(CONFIG),
        "cc.en.bin": fasttext(),
        "cc.en.ftz": fasttext(quantized=True),
        "vectors.bin": word2vec(),
        "vectors.vec": b"2 3\nking 0.1 0.2 0.3\nqueen 0.4 0.5 0.6\n",
        "model.pkl_01.npy": _npy_py2(),
        "pytorch_model.bin": torch_like_zip(BENIGN),
    }


def test_a_repository_of_ordinary_exports_is_clean(tmp_path):
    for name, data in benign_repository().items():
        (tmp_path / name).write_bytes(data)
    report = scan_path(tmp_path)
    bad = {
        f.path: [x.rule_id for x in f.findings if x.severity.rank >= 2]
        for f in report.files
        if f.verdict is not Verdict.CLEAN
    }
    assert report.verdict is Verdict.CLEAN, bad
    formats = {f.path.rsplit("/", 1)[-1]: f.format for f in report.files}
    expected = {
        "model.keras": "keras",
        "asr.nemo": "nemo",
        "model.h5": "hdf5",
        "cc.en.bin": "fasttext",
        "vectors.bin": "word2vec",
    }
    assert {k: formats[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("name", "data", "rule"),
    [
        (
            "lambda.keras",
            kb.keras_archive(kb.keras3_sequential([kb.keras3_lambda_layer()])),
            "keras.lambda-bytecode",
        ),
        (
            "lambda.h5",
            kb.keras2_h5(kb.keras2_sequential([kb.keras2_lambda()])),
            "keras.lambda-bytecode",
        ),
        (
            "eval.keras",
            kb.keras_archive(
                kb.keras3_sequential(
                    [
                        kb.k3(
                            "Activation",
                            {"name": "a", "activation": kb.keras3_function("builtins", "eval")},
                        )
                    ]
                )
            ),
            "keras.dangerous-callable",
        ),
        ("os.nemo", nemo(with_target("os.system")), "nemo.target.dangerous"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_code_execution_attacks_are_malicious_with_their_reason(tmp_path, name, data, rule):
    path = tmp_path / name
    path.write_bytes(data)
    (file,) = scan_path(path).files
    assert file.verdict is Verdict.MALICIOUS
    assert rule in {f.rule_id for f in file.findings}
