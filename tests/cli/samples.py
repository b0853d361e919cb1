"""Tiny model files for the CLI tests, written opcode by opcode (never unpickled).

Payloads are harmless (``echo``) and are never executed: the tests only scan them.
"""

from __future__ import annotations

import struct
from pathlib import Path

# {"a": 1}, protocol 2: no imports at all.
CLEAN_PICKLE = b"\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s."
# os.system("echo weightscan-test"), protocol 0: GLOBAL, MARK, STRING, TUPLE, REDUCE.
MALICIOUS_PICKLE = b"cos\nsystem\n(S'echo weightscan-test'\ntR."
# mypkg.evil.run(): an import nobody vetted, called without arguments.
UNKNOWN_IMPORT_PICKLE = b"\x80\x02cmypkg.evil\nrun\n)R."
UNKNOWN_IMPORT = "mypkg.evil.run"


def safetensors_bytes() -> bytes:
    """A valid one-tensor safetensors file (a float32 [2] tensor of zeros)."""
    header = b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + b"\x00" * 8


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
