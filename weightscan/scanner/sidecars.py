"""Files of no format that a model next to them declares as its tensor bytes.

ONNX external data, TensorFlow checkpoint shards and OpenVINO IR weights are raw bytes:
nothing in them can be sniffed, and loaders only copy declared byte ranges out of them.
They are recognised through the model or index that names them, only for files scanned
from disk, and only after content sniffing found nothing else in them (a pickle stays a
pickle).
"""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.onnx.sidecar import claim_external_data
from weightscan.scanner.openvino.analyzer import claim_openvino_weights
from weightscan.scanner.source import Source
from weightscan.scanner.tensorflow.checkpoint import claim_checkpoint_shard


def claim_tensor_data(source: Source, ctx: ScanContext) -> bool:
    """Report ``source`` as tensor data when a model or index next to it names it."""
    return (
        claim_checkpoint_shard(source, ctx)
        or claim_external_data(source, ctx)
        or claim_openvino_weights(source, ctx)
    )
