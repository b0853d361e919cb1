"""Model formats with no magic number at the start of the file.

Protobuf messages (ONNX, TensorFlow, CoreML) are told apart by their field numbers,
TFLite by the flatbuffer file identifier at offset 4, CTranslate2 models by their
version and spec name, TensorFlow checkpoint indexes by
the table magic at their end. Consulted only for content the main sniffer found no
other format in.
"""

from __future__ import annotations

from weightscan.scanner.ctranslate2.analyzer import looks_like_ctranslate2
from weightscan.scanner.formats import Format
from weightscan.scanner.protobuf.sniff import model_protobuf_format
from weightscan.scanner.source import Source
from weightscan.scanner.tensorflow.checkpoint import is_checkpoint_index
from weightscan.scanner.tflite.analyzer import is_tflite


def sniff_model_format(source: Source) -> Format | None:
    """The model format of ``source`` when it is one of those, else None."""
    found = model_protobuf_format(source)
    if found is None and is_tflite(source.head(8)):
        found = Format.TFLITE
    if found is None and looks_like_ctranslate2(source.head(262)):
        found = Format.CTRANSLATE2
    if found is None and is_checkpoint_index(source):
        found = Format.TF_CHECKPOINT_INDEX
    return found
