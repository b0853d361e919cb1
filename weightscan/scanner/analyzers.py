"""Which analyzer reads each format, imported on first use.

Each loader imports its analyzer only when called, so a program that embeds the scanner
pays only for the formats it meets (importing them all up front costs about a second).
"""

from __future__ import annotations

from collections.abc import Callable

from weightscan.scanner.context import ScanContext
from weightscan.scanner.formats import Format
from weightscan.scanner.source import Source

Analyzer = Callable[[Source, ScanContext], None]


def _pickle_file() -> Analyzer:
    from weightscan.scanner.pickle.analyzer import analyze_pickle_file

    return analyze_pickle_file


def _legacy_torch() -> Analyzer:
    from weightscan.scanner.pickle.legacy_torch import analyze_legacy_torch

    return analyze_legacy_torch


def _npy() -> Analyzer:
    from weightscan.scanner.pickle.numpy_npy import analyze_npy

    return analyze_npy


def _zip() -> Analyzer:
    from weightscan.scanner.containers.zip import analyze_zip

    return analyze_zip


def _compressed() -> Analyzer:
    from weightscan.scanner.containers.compressed import analyze_compressed

    return analyze_compressed


def _tar() -> Analyzer:
    from weightscan.scanner.containers.archives import analyze_tar

    return analyze_tar


def _unopenable() -> Analyzer:
    from weightscan.scanner.containers.archives import analyze_unopenable

    return analyze_unopenable


def _safetensors() -> Analyzer:
    from weightscan.scanner.safetensors.analyzer import analyze_safetensors

    return analyze_safetensors


def _gguf() -> Analyzer:
    from weightscan.scanner.gguf.analyzer import analyze_gguf

    return analyze_gguf


def _hdf5() -> Analyzer:
    from weightscan.scanner.hdf5.analyzer import analyze_hdf5

    return analyze_hdf5


def _keras_config() -> Analyzer:
    from weightscan.scanner.keras.analyzer import analyze_keras_config

    return analyze_keras_config


def _nemo_config() -> Analyzer:
    from weightscan.scanner.nemo.analyzer import analyze_nemo_config

    return analyze_nemo_config


def _onnx() -> Analyzer:
    from weightscan.scanner.onnx.analyzer import analyze_onnx

    return analyze_onnx


def _onnx_tensor() -> Analyzer:
    from weightscan.scanner.onnx.analyzer import analyze_onnx_tensor

    return analyze_onnx_tensor


def _fasttext() -> Analyzer:
    from weightscan.scanner.embeddings.analyzer import analyze_fasttext

    return analyze_fasttext


def _word2vec() -> Analyzer:
    from weightscan.scanner.embeddings.analyzer import analyze_word2vec

    return analyze_word2vec


def _msgpack() -> Analyzer:
    from weightscan.scanner.msgpack_format.analyzer import analyze_msgpack

    return analyze_msgpack


def _saved_model() -> Analyzer:
    from weightscan.scanner.tensorflow.analyzer import analyze_saved_model

    return analyze_saved_model


def _graphdef() -> Analyzer:
    from weightscan.scanner.tensorflow.analyzer import analyze_graphdef

    return analyze_graphdef


def _keras_metadata() -> Analyzer:
    from weightscan.scanner.tensorflow.keras_metadata import analyze_keras_metadata

    return analyze_keras_metadata


def _tflite() -> Analyzer:
    from weightscan.scanner.tflite.analyzer import analyze_tflite

    return analyze_tflite


def _coreml() -> Analyzer:
    from weightscan.scanner.coreml.analyzer import analyze_coreml

    return analyze_coreml


def _coreml_weights() -> Analyzer:
    from weightscan.scanner.coreml.weights import analyze_coreml_weights

    return analyze_coreml_weights


def _ctranslate2() -> Analyzer:
    from weightscan.scanner.ctranslate2.analyzer import analyze_ctranslate2

    return analyze_ctranslate2


def _openvino_ir() -> Analyzer:
    from weightscan.scanner.openvino.analyzer import analyze_openvino_ir

    return analyze_openvino_ir


def _ggml() -> Analyzer:
    from weightscan.scanner.ggml_legacy.analyzer import analyze_ggml

    return analyze_ggml


def _checkpoint_index() -> Analyzer:
    from weightscan.scanner.tensorflow.checkpoint import analyze_checkpoint_index

    return analyze_checkpoint_index


def _ubjson() -> Analyzer:
    from weightscan.scanner.ubjson.analyzer import analyze_ubjson

    return analyze_ubjson


def _text() -> Analyzer:
    from weightscan.scanner.containers.plain import analyze_text

    return analyze_text


def _python() -> Analyzer:
    from weightscan.scanner.pycode.analyzer import analyze_python

    return analyze_python


def _other() -> Analyzer:
    from weightscan.scanner.containers.plain import analyze_other

    return analyze_other


def _unknown() -> Analyzer:
    from weightscan.scanner.containers.plain import analyze_unknown

    return analyze_unknown


def _empty() -> Analyzer:
    from weightscan.scanner.containers.plain import analyze_empty

    return analyze_empty


def _paddle_program() -> Analyzer:
    from weightscan.scanner.paddle.analyzer import analyze_paddle_program

    return analyze_paddle_program


ANALYZERS: dict[Format, Callable[[], Analyzer]] = {
    Format.PICKLE: _pickle_file,
    Format.PYTORCH_LEGACY: _legacy_torch,
    Format.NUMPY: _npy,
    Format.ZIP: _zip,
    Format.GZIP: _compressed,
    Format.BZIP2: _compressed,
    Format.XZ: _compressed,
    Format.LZMA: _compressed,
    Format.ZLIB: _compressed,
    Format.ZSTD: _compressed,
    Format.LZ4: _compressed,
    Format.JOBLIB_ZLIB: _compressed,
    Format.TAR: _tar,
    Format.PYTORCH_TAR: _tar,
    Format.SEVEN_ZIP: _unopenable,
    Format.RAR: _unopenable,
    Format.SAFETENSORS: _safetensors,
    Format.GGUF: _gguf,
    Format.HDF5: _hdf5,
    Format.KERAS_CONFIG: _keras_config,
    Format.NEMO_CONFIG: _nemo_config,
    Format.ONNX: _onnx,
    Format.ONNX_TENSOR: _onnx_tensor,
    Format.FASTTEXT: _fasttext,
    Format.WORD2VEC: _word2vec,
    Format.MSGPACK: _msgpack,
    Format.UBJSON: _ubjson,
    Format.TF_SAVED_MODEL: _saved_model,
    Format.TF_GRAPHDEF: _graphdef,
    Format.TF_KERAS_METADATA: _keras_metadata,
    Format.TFLITE: _tflite,
    Format.COREML: _coreml,
    Format.COREML_WEIGHTS: _coreml_weights,
    Format.CTRANSLATE2: _ctranslate2,
    Format.OPENVINO_IR: _openvino_ir,
    Format.GGML: _ggml,
    Format.TF_CHECKPOINT_INDEX: _checkpoint_index,
    Format.PADDLE_PROGRAM: _paddle_program,
    Format.TEXT: _text,
    Format.PYTHON: _python,
    Format.OTHER: _other,
    Format.UNKNOWN: _unknown,
    Format.EMPTY: _empty,
}
