"""Names of the formats the sniffer can tell apart (stable strings: they are persisted)."""

from __future__ import annotations

import enum


class Format(enum.StrEnum):
    EMPTY = "empty"
    PICKLE = "pickle"
    PYTORCH_ZIP = "pytorch-zip"  # zip with a .../data.pkl (set by the zip analyzer)
    TORCHSCRIPT = "torchscript"  # zip with constants.pkl / code/ (set by the zip analyzer)
    PYTORCH_LEGACY = "pytorch-legacy"  # magic-number pickle stream, then storages
    PYTORCH_TAR = "pytorch-tar"  # torch <= 0.1.10 tar with sys_info/pickle/storages
    ZIP = "zip"
    NUMPY = "numpy"  # .npy
    NUMPY_NPZ = "numpy-npz"  # zip of .npy (set by the zip analyzer)
    JOBLIB = "joblib"  # pickle with interleaved numpy buffers (set by the pickle analyzer)
    GZIP = "gzip"
    BZIP2 = "bzip2"
    XZ = "xz"
    LZMA = "lzma"
    ZLIB = "zlib"
    ZSTD = "zstd"
    LZ4 = "lz4"
    JOBLIB_ZLIB = "joblib-zlib"  # joblib < 0.10 "ZF" compressed format
    TAR = "tar"
    SEVEN_ZIP = "7z"
    RAR = "rar"
    SAFETENSORS = "safetensors"
    GGUF = "gguf"
    HDF5 = "hdf5"  # Keras 2 / TF .h5 models and weight files
    KERAS = "keras"  # Keras 3 zip with config.json and model.weights.h5 (set by the zip analyzer)
    KERAS_CONFIG = "keras-config"  # a .keras archive's config.json (forced by the zip analyzer)
    FASTTEXT = "fasttext"  # fastText .bin / .ftz
    WORD2VEC = "word2vec"  # word2vec binary (the text .vec form is plain text)
    MSGPACK = "msgpack"  # Flax checkpoints (flax.serialization.to_bytes)
    UBJSON = "ubjson"  # XGBoost .ubj models (binary JSON)
    NEMO = "nemo"  # tar with a model_config.yaml (set by the tar analyzer)
    NEMO_CONFIG = "nemo-config"  # a .nemo archive's model_config.yaml (forced by the tar analyzer)
    ONNX = "onnx"  # protobuf ModelProto (sniffed from its field numbers)
    ONNX_TENSOR = "onnx-tensor"  # one TensorProto saved alone (an ONNX test data set's .pb)
    TF_SAVED_MODEL = "tf-saved-model"  # saved_model.pb (protobuf SavedModel)
    TF_GRAPHDEF = "tf-graphdef"  # a frozen GraphDef .pb
    TF_KERAS_METADATA = "tf-keras-metadata"  # keras_metadata.pb of a tf.keras SavedModel
    TF_CHECKPOINT_INDEX = "tf-checkpoint-index"  # variables.index (table with a magic footer)
    TFLITE = "tflite"  # flatbuffer with the "TFL3" identifier
    COREML = "coreml"  # .mlmodel protobuf Model spec
    COREML_WEIGHTS = "coreml-weights"  # an .mlpackage's weights/weight.bin (MIL blob storage)
    CTRANSLATE2 = "ctranslate2"  # CTranslate2 model.bin (faster-whisper and other CT2 exports)
    OPENVINO_IR = "openvino-ir"  # OpenVINO IR graph .xml (its .bin is tensor-data)
    GGML = "ggml"  # pre-GGUF llama.cpp ggml/ggmf/ggjt and whisper.cpp ggml models
    PADDLE_PROGRAM = "paddle-program"  # PaddlePaddle .pdmodel (protobuf ProgramDesc)
    TENSOR_DATA = "tensor-data"  # raw tensor bytes a model next to it declares (never sniffed)
    TEXT = "text"
    PYTHON = "python"  # text named *.py: repository code a loader may import
    OTHER = "other"  # recognised, harmless non-model binary (image, protobuf, ...)
    UNKNOWN = "unknown"
