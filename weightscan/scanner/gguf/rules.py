"""Rules for GGUF files: a bounded, checked walk of the header, metadata and tensor infos."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_SPEC = "https://github.com/ggml-org/ggml/blob/master/docs/gguf.md"
_TALOS = "https://talosintelligence.com/vulnerability_reports/TALOS-2024-1912"

RULES: tuple[Rule, ...] = (
    Rule(
        "gguf.header.invalid",
        Severity.MEDIUM,
        "The GGUF header (magic, version) is unreadable or of an unsupported version",
        "Only versions 1 to 3 exist; anything else cannot be checked and is refused by loaders.",
        (_SPEC,),
    ),
    Rule(
        "gguf.count.overflow",
        Severity.HIGH,
        "A KV or tensor count is larger than the file could possibly hold",
        "llama.cpp multiplied unchecked counts into allocation sizes; counts beyond the "
        "file are the shape of the heap-overflow exploits against it.",
        ("CVE-2024-21836", "CVE-2024-23605", _TALOS),
    ),
    Rule(
        "gguf.length.overflow",
        Severity.HIGH,
        "A string or array length runs past the end of the file",
        "Unchecked string and array lengths overflowed heap buffers in llama.cpp's GGUF "
        "reader; a length the file cannot back is exploit-shaped.",
        ("CVE-2024-21825", "CVE-2024-23496", _TALOS),
    ),
    Rule(
        "gguf.kv.invalid",
        Severity.MEDIUM,
        "A metadata key or value is malformed (unknown value type, bad key, nesting)",
        "Loaders stop at an unknown value type; what follows cannot be read and the file "
        "cannot be shown safe.",
        (_SPEC,),
    ),
    Rule(
        "gguf.kv.duplicate",
        Severity.MEDIUM,
        "A metadata key appears twice",
        "Readers disagree on which copy wins (the reference reader rejects the file): a "
        "parser differential that can hide a second chat template.",
        (_SPEC,),
    ),
    Rule(
        "gguf.alignment.invalid",
        Severity.MEDIUM,
        "`general.alignment` is not a u32 power of two",
        "Alignment feeds offset arithmetic in loaders; zero or odd values break it.",
        (_SPEC,),
    ),
    Rule(
        "gguf.tensor.dims",
        Severity.HIGH,
        "A tensor has more than 4 dimensions or a dimension product that overflows",
        "ggml has 4 dimensions; extra or overflowing ones overflowed fixed arrays and size "
        "arithmetic in llama.cpp.",
        ("CVE-2024-21802", _TALOS),
    ),
    Rule(
        "gguf.tensor.invalid",
        Severity.MEDIUM,
        "A tensor info is malformed (unknown type, bad name, shape not a whole number of blocks)",
        "A tensor whose size cannot be computed cannot be bounds-checked; loaders refuse it.",
        (_SPEC,),
    ),
    Rule(
        "gguf.tensor.duplicate",
        Severity.MEDIUM,
        "Two tensors share a name",
        "Readers disagree on which tensor is used; the reference reader rejects the file.",
        (_SPEC,),
    ),
    Rule(
        "gguf.tensor.offset",
        Severity.MEDIUM,
        "A tensor offset is misaligned, overlaps another tensor or runs past the end of file",
        "Offsets point loaders at memory; misaligned, aliased or out-of-bounds data is "
        "either corruption or a lie about the layout.",
        (_SPEC,),
    ),
    Rule(
        "gguf.data.hidden",
        Severity.MEDIUM,
        "Bytes in the data area belong to no tensor (beyond alignment padding)",
        "Uncovered bytes are invisible to loaders and a place to smuggle a payload.",
        (_SPEC,),
    ),
    Rule(
        "gguf.hidden.payload",
        Severity.HIGH,
        "Bytes outside every tensor contain a pickle, an archive or a script",
        "Executable content hidden where no tensor points is meant for another loader.",
        (_SPEC,),
    ),
    Rule(
        "gguf.metadata.payload",
        Severity.MEDIUM,
        "A metadata string (or string array item) is a pickle (raw, base64 or hex) or "
        "Python source",
        "Metadata is free text that tools read back; a value that is a pickle or code is a "
        "payload waiting for an unpickler or `exec`. The embedded pickle is analysed "
        "as a file of its own.",
        (_SPEC,),
    ),
)
