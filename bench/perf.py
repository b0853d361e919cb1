"""Performance cases: an opcode-dense pickle, a big PyTorch-style zip, hashing throughput.

The inputs are written by streaming code (never held whole in memory), and the
measurements compare weightscan with the cost of just reading the file (``cat``) and of
just hashing it (``hashlib``), on a warm page cache.
"""

from __future__ import annotations

import hashlib
import random
import subprocess
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.corpus import _state_dict_pickle

_CHUNK = 16 << 20


def write_dense_pickle(path: Path, n_items: int, *, random_widths: bool = False) -> int:
    """The shape of ``pickle.dumps(["%07d" % i for i in range(n)], 4)``: ~2 opcodes per item.

    With ``random_widths`` every string has a random length of 1-16 characters instead
    (seeded), the shape of a list of words or tokens rather than of ids. Returns the
    number of opcodes written.
    """
    rnd = random.Random(1)
    opcodes = 0
    with open(path, "wb") as f:
        f.write(b"\x80\x04]\x94")  # PROTO 4, EMPTY_LIST, MEMOIZE
        opcodes += 3
        batch = 1000
        for start in range(0, n_items, batch):
            stop = min(start + batch, n_items)
            parts = [b"("]
            if random_widths:
                for i in range(start, stop):
                    text = (b"%d" % i * 4)[: rnd.randint(1, 16)]
                    parts.append(b"\x8c%c%s\x94" % (len(text), text))  # string, MEMOIZE
            else:
                parts.extend(b"\x8c\x07%07d\x94" % i for i in range(start, stop))
            parts.append(b"e")  # APPENDS
            f.write(b"".join(parts))
            opcodes += 2 + 2 * (stop - start)
        f.write(b".")
        opcodes += 1
    return opcodes


def write_big_torch_zip(path: Path, storage_bytes: int) -> None:
    """A PyTorch-style zip: small data.pkl, one stored storage member of ``storage_bytes`` zeros."""
    zeros = bytes(_CHUNK)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", _state_dict_pickle())
        zf.writestr("archive/byteorder", b"little")
        with zf.open("archive/data/0", "w", force_zip64=True) as member:
            left = storage_bytes
            while left > 0:
                n = min(left, _CHUNK)
                member.write(zeros[:n])
                left -= n
        zf.writestr("archive/version", b"3\n")


@dataclass(frozen=True)
class Timing:
    seconds: float
    result: object = None


def timed(func: Callable[[], object], *, repeat: int = 1) -> Timing:
    """Best of ``repeat`` runs (the first run also warms the page cache for the others)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - started)
    return Timing(best, result)


def cat_seconds(path: Path) -> float:
    subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)  # warm the cache
    return timed(
        lambda: subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True), repeat=2
    ).seconds


def hashlib_seconds(path: Path) -> Timing:
    def digest() -> str:
        h = hashlib.sha256()
        buf = bytearray(4 << 20)
        view = memoryview(buf)
        with open(path, "rb", buffering=0) as f:
            while n := f.readinto(buf):
                h.update(view[:n])
        return h.hexdigest()

    return timed(digest, repeat=2)


def scan_seconds(path: Path, *, compute_sha256: bool, repeat: int = 2) -> Timing:
    from weightscan.scanner import scan_path

    return timed(lambda: scan_path(path, compute_sha256=compute_sha256), repeat=repeat)
