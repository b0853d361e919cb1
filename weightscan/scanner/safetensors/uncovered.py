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
# Regions up to this size that look like something are also handed to the full
# analyzer for their format (pickle opcodes, zip members...).
NESTED_ANALYSIS_BYTES = 16 * 1024 * 1024

# A protocol 2+ header only counts at the start of a region (three bytes of random tensor
# data match it too often); imports of well-known modules count anywhere.
_PICKLE_START = re.compile(
    rb"\x80[\x02-\x05](?:\x95[\s\S]{8})?[\x28\x43\x4b\x4d\x58\x5d\x63\x7d\x8a\x8c\x93]")
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
    kind: str  # "zeros", "spaces", "pickle", "zip", "script", "safetensors", "data", ...
    dangerous: bool  # can run code when handed to some loader

    @property
    def looks_like_something(self) -> bool:
        return self.kind not in ("zeros", "spaces", "data")


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
    return classify(source.read_at(pos, min(size, PEEK_BYTES)))


def analyze_region(source: Source, ctx: ScanContext, pos: int, size: int,
                   label: str) -> None:
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
