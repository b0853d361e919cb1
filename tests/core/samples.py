"""Tiny model files built in code for the service tests (payloads inert, never run)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any


def clean_pickle(n: int = 1) -> bytes:
    """Protocol-4 pickle of a small int: PROTO 4, BININT1 n, STOP."""
    return b"\x80\x04K" + bytes([n % 256]) + b"."


def malicious_pickle(command: str = "echo weightscan-test") -> bytes:
    """Protocol-0 ``os.system(command)``: GLOBAL, MARK, STRING, TUPLE, REDUCE, STOP."""
    return b"cos\nsystem\n(S'" + command.encode() + b"'\ntR."


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def submit_bytes(
    session: Any,
    blobstore: Any,
    data: bytes,
    name: str = "model.pkl",
    tmp_dir: Path | None = None,
    commit: bool = True,
    **kwargs: Any,
) -> Any:
    """Stream ``data`` through ``stream_to_temp`` and ``submit_file``, like the web does;
    then commit, unless ``commit=False`` (several files of a group in one transaction)."""
    from weightscan.core.scans.submit import submit_file
    from weightscan.core.uploads import stream_to_temp

    received = stream_to_temp(io.BytesIO(data), 1 << 30, temp_dir=tmp_dir)
    kwargs.setdefault("source", "upload")
    result = submit_file(
        session, blobstore, received.path, received.sha256, received.size, name, **kwargs
    )
    if commit:
        session.commit()
    return result
