"""What do bytes that no tensor covers contain? (holes, trailing data, header padding)

Shared by the safetensors and GGUF validators. Only the head of a region is looked at
(``PEEK_BYTES``), so a multi-GB tail costs one bounded read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from weightscan.scanner.context import ScanContext
from weightscan.scanner.source import Source

PEEK_BYTES = 64 * 1024
# Zero-looking regions are read on for a payload up to this size (large alignments make
# paddings of up to a gigabyte); a larger one is reported as not checked.
ZERO_SCAN_BYTES = 256 * 1024 * 1024
_ZERO_CHUNK = 1 << 20
# Regions up to this size that look like something are also handed to the full
# analyzer for their format (pickle opcodes, zip members...).
NESTED_ANALYSIS_BYTES = 16 * 1024 * 1024

# A protocol 2+ header only counts at the start of a region (three bytes of random tensor
# data match it too often); imports of well-known modules count anywhere.
_PICKLE_START = re.compile(
    rb"\x80[\x02-\x05](?:\x95[\s\S]{8})?[\x28\x43\x4b\x4d\x58\x5d\x63\x7d\x8a\x8c\x93]"
)
_PICKLE_IMPORT = re.compile(
    rb"c(?:__builtin__|builtins|os|posix|nt|subprocess|sys|runpy|importlib)\n[A-Za-z_]\w*\n"
    rb"|\x8c[\x02-\x10](?:builtins|posix|nt|os|subprocess|runpy|__builtin__)\x94?\x8c"
)
_ZIP = re.compile(rb"PK\x03\x04|PK\x05\x06")
_SCRIPT = re.compile(
    rb"#!\s*/|\bimport\s+(?:os|subprocess|socket|sys)\b|\bos\.(?:system|popen)|subprocess\."
    rb"|__import__|<script|/bin/(?:ba)?sh\b|powershell|\bcurl\s+http|\bwget\s+http"
    rb"|\b(?:eval|exec)\s*\(",  # invariant: a byte pattern we search for, nothing is evaluated
    re.IGNORECASE,
)
_MAGICS: tuple[tuple[bytes, str, bool], ...] = (
    (b"\x7fELF", "elf-executable", True),
    (b"MZ", "pe-executable", True),
    (b"GGUF", "gguf", False),
    (b"\x1f\x8b", "gzip", False),
    (b"BZh", "bzip2", False),
    (b"\xfd7zXZ\x00", "xz", False),
    (b"\x28\xb5\x2f\xfd", "zstd", False),
    (b"7z\xbc\xaf\x27\x1c", "7z", False),
    (b"\x93NUMPY", "numpy", False),
)


@dataclass(frozen=True)
class Contents:
    kind: str  # "zeros", "zeros-unchecked", "spaces", "pickle", "zip", "script", "data"...
    dangerous: bool  # can run code when handed to some loader

    @property
    def looks_like_something(self) -> bool:
        return self.kind not in ("zeros", "zeros-unchecked", "spaces", "data")


def classify(head: bytes) -> Contents:
    """Name what ``head`` (the first bytes of an uncovered region) looks like."""
    stripped = head.strip(b"\x00")
    if not stripped:
        return Contents("zeros", False)
    if not head.strip(b" "):
        return Contents("spaces", False)
    if _PICKLE_START.match(stripped) or _PICKLE_IMPORT.search(head):
        return Contents("pickle", True)
    if _ZIP.search(head):
        return Contents("zip", True)
    for magic, kind, dangerous in _MAGICS:
        if stripped.startswith(magic):
            return Contents(kind, dangerous)
    if _looks_like_safetensors(stripped):
        return Contents("safetensors", False)
    if _SCRIPT.search(head):
        return Contents("script", True)
    return Contents("data", False)


def _looks_like_safetensors(data: bytes) -> bool:
    if len(data) < 10:
        return False
    n = int.from_bytes(data[:8], "little")
    return 2 <= n < (1 << 32) and data[8:9] == b"{"


def peek(source: Source, pos: int, size: int) -> Contents:
    """What the region holds, judged by its head; a region whose head is zeros is read on
    (up to ``ZERO_SCAN_BYTES``) for the first other byte, so zeros cannot hide a payload
    further in. Past that budget the region is "zeros-unchecked", not "zeros"."""
    contents = classify(source.read_at(pos, min(size, PEEK_BYTES)))
    if contents.kind != "zeros" or size <= PEEK_BYTES:
        return contents
    offset = first_nonzero(source, pos + PEEK_BYTES, size - PEEK_BYTES)
    if offset is None:
        return contents
    if offset < 0:
        return Contents("zeros-unchecked", False)
    found = classify(source.read_at(offset, min(pos + size - offset, PEEK_BYTES)))
    return found if found.kind not in ("zeros", "spaces") else Contents("data", False)


def first_nonzero(source: Source, pos: int, size: int) -> int | None:
    """Offset of the first non-zero byte in the region, None if all zeros, -1 when the
    region is larger than the scan budget (the rest was not checked)."""
    if size > ZERO_SCAN_BYTES:
        return -1
    end = pos + size
    while pos < end:
        chunk = source.read_at(pos, min(_ZERO_CHUNK, end - pos))
        if not chunk:
            return None
        if chunk.count(0) != len(chunk):
            return pos + len(chunk) - len(chunk.lstrip(b"\x00"))
        pos += len(chunk)
    return None


def analyze_region(source: Source, ctx: ScanContext, pos: int, size: int, label: str) -> None:
    """Run the format analyzers over a suspicious region (its head only if large).

    Skipped while the content sniffer is not installed: ``classify`` has already said
    what the region looks like.
    """
    try:
        import weightscan.scanner.sniff as sniff  # noqa: F401 - only probing that the sniffer exists
        from weightscan.scanner.dispatch import analyze_nested
    except ModuleNotFoundError:
        return
    region = source.slice(pos, min(size, NESTED_ANALYSIS_BYTES), name=label)
    analyze_nested(region, ctx, label)
