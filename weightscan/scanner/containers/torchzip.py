"""What PyTorch and TorchScript zips look like, and the cheap checks specific to them.

PyTorch's reader takes the folder of the first central-directory entry as the archive
prefix and looks records up under it, case-insensitively (miniz's default). Tensor
storages (``<prefix>/data/<key>``) are raw bytes reached through persistent ids: they are
never unpickled, so they are only checked for a hidden payload at their head.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from weightscan.scanner.containers import signatures as sig
from weightscan.scanner.pickle.probe import reaches_import
from weightscan.scanner.source import Source

_METADATA = frozenset(
    {
        "version",
        ".format_version",
        ".storage_alignment",
        "byteorder",
        ".data/version",
        ".data/serialization_id",
    }
)
METADATA_MAX = 4096  # bytes; torch's metadata records are a few bytes of text

# Operators that reach the file system from TorchScript.
_TS_SUSPICIOUS = re.compile(
    r"\b(?:ops\.aten\.from_file|torch\.from_file|torch\.save|"
    r"torch\.load|ops\.aten\.save|ops\.aten\.load|open)\s*\("
)

_HIDDEN_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\x1f\x8b\x08", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"\x04\x22\x4d\x18", "lz4"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
)
STORAGE_HEAD = 512  # bytes of a storage we look at for magic numbers
STORAGE_LINE = 1 << 20


@dataclass(frozen=True)
class Layout:
    kind: str | None  # "pytorch-zip", "torchscript", "numpy-npz" or None
    prefix: str  # the archive folder, lower-cased, with a trailing "/"

    def record(self, name: str) -> str | None:
        """``name`` relative to the archive folder (lower-cased), or None if outside it."""
        low = name.lower()
        return low[len(self.prefix) :] if self.prefix and low.startswith(self.prefix) else None

    def is_storage(self, name: str) -> bool:
        rec = self.record(name)
        if self.kind not in ("pytorch-zip", "torchscript") or rec is None:
            return False
        in_constants = self.kind == "torchscript" and rec.startswith("constants/")
        return rec.startswith("data/") or in_constants

    def is_metadata(self, name: str) -> bool:
        return self.kind in ("pytorch-zip", "torchscript") and self.record(name) in _METADATA

    def is_torch_pickle(self, name: str) -> bool:
        """The records torch.load / torch.jit.load unpickle whatever their content."""
        return self.kind in ("pytorch-zip", "torchscript") and self.record(name) in (
            "data.pkl",
            "constants.pkl",
        )

    def is_code(self, name: str) -> bool:
        rec = self.record(name)
        return (
            self.kind == "torchscript"
            and rec is not None
            and rec.startswith("code/")
            and rec.endswith(".py")
        )


def classify(names: list[str]) -> Layout:
    """Recognise the archive's layout from its central directory names, in order."""
    files = [n for n in names if not n.endswith("/")]
    if files and all(n.lower().endswith(".npy") for n in files):
        return Layout("numpy-npz", "")
    if not names or "/" not in names[0]:
        return Layout(None, "")
    prefix = names[0].split("/", 1)[0].lower() + "/"
    records = {n.lower()[len(prefix) :] for n in names if n.lower().startswith(prefix)}
    if "constants.pkl" in records:
        return Layout("torchscript", prefix)
    if "data.pkl" in records:
        return Layout("pytorch-zip", prefix)
    if any(r.startswith("data/") for r in records) and records & {
        "version",
        "byteorder",
        ".data/version",
    }:
        return Layout("pytorch-like", prefix)  # torch layout without data.pkl
    return Layout(None, prefix)


def storage_hides(storage: Source) -> str | None:
    """What a storage really is, when it is not plain tensor data.

    Tensor bytes are often valid opcodes (a float whose bytes are 93 52 is STACK_GLOBAL,
    REDUCE), so a storage is called a pickle only when the strict probe, reading it from
    offset 0 as an unpickler would, reaches an import.
    """
    head = storage.head(STORAGE_HEAD)
    for magic, label in _HIDDEN_MAGIC:
        if head.startswith(magic):
            return label
    if sig.is_bzip2(head):
        return "bzip2"
    # a first text line longer than this is no pickle hidden for a loader to find
    if reaches_import(storage, max_line=STORAGE_LINE):
        return "pickle"
    return None


def suspicious_code(text: str) -> list[str]:
    """File-system operators called from TorchScript source (distinct, in order)."""
    seen: list[str] = []
    for m in _TS_SUSPICIOUS.finditer(text):
        call = m.group(0).rstrip("( \t")
        if call not in seen:
            seen.append(call)
    return seen[:10]
