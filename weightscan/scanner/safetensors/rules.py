"""Rules for safetensors files: a strict reading of the header, and a look at hidden bytes."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_SPEC = "https://github.com/huggingface/safetensors#format"
_DIFF = (
    "Loaders and scanners that disagree about a malformed header are a bypass: "
    "one side sees tensors, the other sees something else."
)

RULES: tuple[Rule, ...] = (
    Rule(
        "safetensors.header.length",
        Severity.MEDIUM,
        "The 8-byte header length is too small or runs past the end of the file",
        "The length prefix is the first thing a loader trusts; a lying length makes it read "
        "out of bounds or misparse the rest of the file.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.header.too-large",
        Severity.MEDIUM,
        "The header is larger than the configured cap",
        "Loaders refuse headers above 100 MB; a huge header is a memory attack on the parser "
        "and is not read.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.header.not-utf8",
        Severity.MEDIUM,
        "The header is not valid UTF-8",
        "The format requires a UTF-8 JSON header; invalid bytes are either corruption or an "
        "attempt to hide data where a parser stops looking.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.header.not-json",
        Severity.MEDIUM,
        "The header is not one JSON object",
        "The header must be a JSON object starting with `{`; anything else is rejected by "
        "the reference loader and cannot be shown to hold only tensors.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.header.duplicate-key",
        Severity.MEDIUM,
        "A key appears twice in the header JSON",
        "JSON parsers disagree on duplicate keys (first wins, last wins, error): " + _DIFF,
        (_SPEC,),
    ),
    Rule(
        "safetensors.header.padding",
        Severity.MEDIUM,
        "The header JSON is followed by something other than space padding",
        "Only spaces may pad the header; other bytes there are invisible to loaders and a "
        "place to hide content.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.metadata.invalid",
        Severity.MEDIUM,
        "`__metadata__` is not a map of strings to strings",
        "The reference loader accepts only string values in `__metadata__`; other shapes "
        "are a parser differential.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.tensor.invalid",
        Severity.MEDIUM,
        "A tensor entry is not an object with exactly dtype, shape and data_offsets",
        "Missing or extra fields make loaders reject or misread the tensor.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.tensor.dtype",
        Severity.MEDIUM,
        "A tensor has an unknown dtype",
        "Without a known item size the tensor's extent cannot be checked; loaders reject it.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.tensor.shape",
        Severity.MEDIUM,
        "A tensor shape is not a list of non-negative integers",
        "Negative or non-integer dimensions break size arithmetic in loaders.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.tensor.size",
        Severity.MEDIUM,
        "A tensor's byte span does not match its shape and dtype",
        "The reference loader requires end - begin == elements x item size; a mismatch "
        "means out-of-bounds reads or bytes no tensor accounts for.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.tensor.overflow",
        Severity.MEDIUM,
        "A tensor's element count times item size overflows 64 bits",
        "Native loaders compute sizes in 64-bit integers; an overflowing product wraps "
        "around and defeats their bounds checks.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.offsets.invalid",
        Severity.MEDIUM,
        "`data_offsets` is not a pair [begin, end] of integers with begin <= end",
        "Inverted or non-integer offsets are out-of-bounds reads waiting to happen.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.offsets.overlap",
        Severity.MEDIUM,
        "Two tensors' byte spans overlap",
        "The format requires disjoint, contiguous spans; overlapping tensors alias memory "
        "and are rejected by the reference loader.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.data.hidden",
        Severity.MEDIUM,
        "Bytes in the data area belong to no tensor (a hole or trailing data)",
        "The format leaves no room for uncovered bytes; anything there is invisible to "
        "loaders and a classic place to smuggle a second payload.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.data.truncated",
        Severity.MEDIUM,
        "Tensor data runs past the end of the file",
        "The header promises more bytes than the file holds; the file is truncated or its "
        "header lies.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.hidden.payload",
        Severity.HIGH,
        "Bytes outside every tensor contain a pickle, an archive or a script",
        "Executable content tucked where no tensor points is a smuggled payload meant for "
        "a second loader that reads the file differently.",
        (_SPEC,),
    ),
    Rule(
        "safetensors.metadata.payload",
        Severity.MEDIUM,
        "A `__metadata__` value is a pickle (raw, base64 or hex) or Python source",
        "Metadata is free text that tools read back; a value that is a pickle or code is a "
        "payload waiting for an unpickler or `exec`. The embedded pickle is analysed "
        "as a file of its own.",
        (_SPEC,),
    ),
)
