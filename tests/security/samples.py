"""Small model files built in code for the security tests (never loaded, only scanned)."""

from __future__ import annotations

import json
import pickle
import struct


def clean_pickle(tag: str = "") -> bytes:
    return pickle.dumps({"weights": [1.0, 2.0], "tag": tag}, protocol=4)


def malicious_pickle(command: str = "echo weightscan-security-test") -> bytes:
    """GLOBAL posix.system + REDUCE."""
    cmd = command.encode()
    return (
        b"\x80\x02cposix\nsystem\nq\x00X"
        + struct.pack("<I", len(cmd))
        + cmd
        + b"q\x01\x85q\x02Rq\x03."
    )


def pickle_calling(module: str, name: str, argument: str) -> bytes:
    """GLOBAL module.name + REDUCE with one string argument (any text, unescaped)."""
    arg = argument.encode()
    return (
        b"\x80\x02c"
        + module.encode()
        + b"\n"
        + name.encode()
        + b"\nq\x00X"
        + struct.pack("<I", len(arg))
        + arg
        + b"q\x01\x85q\x02Rq\x03."
    )


def safetensors_named(tensor: str, metadata: dict[str, str]) -> bytes:
    header = json.dumps(
        {tensor: {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "__metadata__": metadata}
    ).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + struct.pack("<f", 1.0)
