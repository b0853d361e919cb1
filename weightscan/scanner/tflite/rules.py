"""Rules for TFLite models: custom and Flex operators, buffers outside the file."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_SCHEMA = "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/lite/schema/schema.fbs"
_OPS = "https://www.tensorflow.org/lite/guide/ops_select"

RULES: tuple[Rule, ...] = (
    Rule(
        "tflite.op.custom",
        Severity.INFO,
        "The model uses custom operators",
        "A custom operator runs native code the application registers with the "
        "interpreter; the model cannot bring that code, so the names are listed for "
        "review.",
        (_SCHEMA,),
    ),
    Rule(
        "tflite.op.flex",
        Severity.INFO,
        "The model uses Flex (select TensorFlow) operators",
        "`Flex*` custom operators run TensorFlow kernels through the Flex delegate; they "
        "are listed, and the ones that run Python or touch files are judged by the "
        "TensorFlow op rules.",
        (_OPS,),
    ),
    Rule(
        "tflite.buffer.range",
        Severity.MEDIUM,
        "A buffer's declared offset and size lie outside the file",
        "Large models keep buffers after the flatbuffer at declared offsets; a range "
        "past the end is a malformed model or an out-of-bounds read.",
        (_SCHEMA,),
    ),
)
