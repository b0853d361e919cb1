"""Tiny model files built in code: a malicious pickle, benign pickles and safetensors."""

from __future__ import annotations

import json
import pickle
import struct

MALICIOUS_PICKLE = b"cos\nsystem\n(S'echo hi'\ntR."


def benign_pickle(i: int) -> bytes:
    return pickle.dumps({"layer": i, "weights": [i, i + 1, i + 2]}, protocol=2)


def safetensors(i: int) -> bytes:
    header = json.dumps(
        {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "__metadata__": {"n": str(i)}}
    ).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + struct.pack("<2f", i, -i)
