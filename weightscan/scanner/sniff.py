"""Content sniffing: which format a source holds, by its bytes, never by its name.

Reads only a small head (and, for zips with something in front, the end-of-central-
directory region at the tail). torch.load takes a file for a zip only when it starts with
``PK\x03\x04``; zipfile-based readers also accept data in front of the archive. A file
with a pickle (or anything) in front of a valid zip is therefore classed as a zip, and the
zip analyzer analyses the prefix too, so both readers' views are covered.

The order of the checks matters: formats a loader tries first (zip, tar) come first,
then strong magic numbers, then pickles, and only then the weak or catch-all classes
(text, harmless other binaries, unknown). A pickle must never be classed as text or
"other": protocol 0 and 1 pickles have no magic and are valid text.
"""

from __future__ import annotations

import struct

from weightscan.scanner.containers import signatures as sig
from weightscan.scanner.coreml.weights import is_coreml_weights
from weightscan.scanner.embeddings.fasttext import looks_like_old_fasttext
from weightscan.scanner.embeddings.word2vec import header as word2vec_header
from weightscan.scanner.embeddings.word2vec import looks_binary_word2vec
from weightscan.scanner.formats import Format
from weightscan.scanner.ggml_legacy.analyzer import looks_like_ggml
from weightscan.scanner.msgpack_format.walker import looks_like_msgpack
from weightscan.scanner.openvino.ir import looks_like_openvino_ir
from weightscan.scanner.pickle.probe import looks_like_pickle, reaches_import
from weightscan.scanner.sniff_models import sniff_model_format
from weightscan.scanner.source import Source
from weightscan.scanner.ubjson.walker import looks_like_ubjson

PYTHON_SUFFIXES = (".py", ".pyw")
HEAD_BYTES = 8192  # enough for a tar header, a text check and the start of any pickle
EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_EOCD_SEARCH = _EOCD_SIZE + 0xFFFF  # the EOCD record plus the longest possible comment
_TAR_PROBE_MEMBERS = 16
_TORCH_TAR_MEMBERS = frozenset({"sys_info", "pickle", "storages", "tensors"})

_MAGIC: tuple[tuple[bytes, Format], ...] = (
    (b"PK\x03\x04", Format.ZIP),
    (b"PK\x05\x06", Format.ZIP),  # empty archive: end record only
    (b"PK\x07\x08PK\x03\x04", Format.ZIP),  # "spanned" marker in front of a normal zip
    (b"\x93NUMPY", Format.NUMPY),
    (b"GGUF", Format.GGUF),
    (b"\x89HDF\r\n\x1a\n", Format.HDF5),  # at 0 only: a user block in front reads as unknown
    (b"\xba\x16\x4f\x2f", Format.FASTTEXT),  # int32 793712314
    (b"\xfd7zXZ\x00", Format.XZ),
    (b"\x28\xb5\x2f\xfd", Format.ZSTD),
    (b"\x04\x22\x4d\x18", Format.LZ4),
    (b"7z\xbc\xaf\x27\x1c", Format.SEVEN_ZIP),
    (b"Rar!\x1a\x07\x00", Format.RAR),
    (b"Rar!\x1a\x07\x01\x00", Format.RAR),
)

# Classes judged from the head alone. A pickle's first opcode may carry an argument far
# longer than the head, or bytes another magic claims ("GIF89a" is a BINFLOAT): before a
# file is called one of these, the whole stream is parsed as a pickle from offset 0.
_WEAK = frozenset({Format.TEXT, Format.OTHER, Format.UNKNOWN})

_OTHER_MAGIC: tuple[bytes, ...] = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"%PDF-",
)


def sniff_format(source: Source) -> Format:
    """The format of ``source``, judged from its content alone."""
    if source.size == 0:
        return Format.EMPTY
    try:
        head = source.head(HEAD_BYTES)
        fmt = _by_head(head, source.size)
        if fmt in _WEAK and reaches_import(source):
            fmt = Format.PICKLE  # the head was only the first opcode's argument
        if fmt in (
            Format.PICKLE,
            Format.PYTORCH_LEGACY,
            Format.TEXT,
            Format.UNKNOWN,
        ) and zip_end_at_tail(source):
            # Something in front of a valid zip: zip readers see the archive, and the zip
            # analyzer also analyses the prefix as what it is (pickle, text...).
            return Format.ZIP
        if (
            fmt is not Format.ZIP
            and source.name.lower().endswith(PYTHON_SUFFIXES)
            and (fmt is Format.TEXT or sig.is_text(head, source.size))
        ):
            # text by content, code by name: what an import reads (a text pickle too;
            # the Python analyzer also analyses it as one). Text that starts with an
            # ASCII magic ("GGUF = 3") is still the source the import runs.
            return Format.PYTHON
        if fmt is Format.TEXT and looks_like_openvino_ir(head):
            return Format.OPENVINO_IR  # an XML graph whose weights file is raw bytes
        if fmt in (Format.UNKNOWN, Format.OTHER):  # model formats with no magic up front
            fmt = sniff_model_format(source) or fmt
    except Exception:
        return Format.UNKNOWN
    return fmt


def _by_head(head: bytes, size: int) -> Format:
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    if head[:2] == b"\x1f\x8b" and head[2:3] == b"\x08":
        return Format.GZIP
    if sig.is_bzip2(head):
        return Format.BZIP2
    if _is_safetensors(head, size):
        return Format.SAFETENSORS
    # torch.load tries the tar reader before unpickling, so tar goes before pickle
    if sig.tar_header_ok(head[:512]):
        return _tar_kind(head)
    if is_coreml_weights(head):  # its header also passes for an .lzma one
        return Format.COREML_WEIGHTS
    if sig.is_lzma_alone(head):  # cannot be a pickle: byte 1 is always 0x00
        return Format.LZMA
    if sig.is_joblib_zf(head):
        return Format.JOBLIB_ZLIB
    if sig.is_zlib(head):  # 0x78 is no pickle opcode
        return Format.ZLIB
    if looks_like_ggml(head):  # before pickles: "lmgg" also starts a protocol-0 stream
        return Format.GGML
    if sig.is_torch_legacy(head):
        return Format.PYTORCH_LEGACY
    if looks_binary_word2vec(head):  # a digit first: no pickle loader gets past it
        return Format.WORD2VEC
    # (opcodes that only walk, without a stack, are no pickle: tensor bytes do that; the
    # strict probe over the whole stream decides below, before text, other or unknown)
    if looks_like_pickle(head):
        return Format.PICKLE
    if word2vec_header(head) is not None:  # .vec text: words may be undecodable bytes
        return Format.WORD2VEC
    if sig.is_text(head, size):
        return Format.TEXT
    if looks_like_msgpack(head):  # no magic: after pickles (dispatch reads it as one too)
        return Format.MSGPACK
    if looks_like_ubjson(head):  # no magic either: "{" is no pickle opcode
        return Format.UBJSON
    if looks_like_old_fasttext(head):  # fastText before its magic number: ranges checked
        return Format.FASTTEXT
    if (
        any(head.startswith(m) for m in _OTHER_MAGIC)
        or _is_webp(head)
        or sig.sentencepiece_like(head)
    ):
        return Format.OTHER
    if _is_lying_safetensors(head):
        # A safetensors header whose declared length does not fit: the safetensors
        # analyzer names the lie (a loader would allocate or read past the end).
        return Format.SAFETENSORS
    return Format.UNKNOWN


def _is_safetensors(head: bytes, size: int) -> bool:
    """8-byte little-endian header length, then a JSON object filling that many bytes."""
    if len(head) < 10:
        return False
    (n,) = struct.unpack_from("<Q", head)
    return 2 <= n <= size - 8 and n <= 100 * 1024 * 1024 and head[8:9] == b"{"


def _is_lying_safetensors(head: bytes) -> bool:
    """A safetensors-shaped start (length, then a JSON object) whose length is out of range."""
    if len(head) < 10:
        return False
    (n,) = struct.unpack_from("<Q", head)
    return n >= 2 and head[8:9] == b"{" and head[9:10] in (b'"', b"}", b" ", b"\n")


def _is_webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _tar_kind(head: bytes) -> Format:
    """TAR, or PYTORCH_TAR when the first member names are torch's legacy tar members."""
    names = set()
    pos = 0
    for _ in range(_TAR_PROBE_MEMBERS):
        block = head[pos : pos + 512]
        if not sig.tar_header_ok(block):
            break
        names.add(block[:100].split(b"\0", 1)[0].decode("latin-1"))
        size = sig.tar_number(block[124:136])
        if size is None or size < 0:
            break
        pos += 512 + (size + 511) // 512 * 512
    return (
        Format.PYTORCH_TAR
        if names & _TORCH_TAR_MEMBERS >= {"pickle"} or len(names & _TORCH_TAR_MEMBERS) >= 2
        else Format.TAR
    )


def zip_end_at_tail(source: Source) -> bool:
    """Whether the file ends exactly with a zip end record whose central directory exists.

    Strict on purpose (the comment must reach the end of the file, and a central
    directory header must sit where the record says): it runs on ordinary pickles and
    text files, and must not see archives in random bytes.
    """
    if source.size < _EOCD_SIZE:
        return False
    tail_start = max(0, source.size - _EOCD_SEARCH)
    tail = source.read_at(tail_start, source.size - tail_start)
    pos = tail.rfind(EOCD)
    while pos >= 0:
        if pos + _EOCD_SIZE <= len(tail):
            entries, cd_size, cd_offset, comment_len = struct.unpack_from("<6xHIIH", tail, pos + 4)
            if pos + _EOCD_SIZE + comment_len == len(tail) and entries > 0:
                eocd_abs = tail_start + pos
                cd_start = eocd_abs - cd_size
                if cd_offset == 0xFFFFFFFF or cd_size == 0xFFFFFFFF:
                    cd_start = _zip64_cd_start(source, eocd_abs)
                if cd_start >= 0 and source.read_at(cd_start, 4) == b"PK\x01\x02":
                    return True
        pos = tail.rfind(EOCD, 0, pos)
    return False


def _zip64_cd_start(source: Source, eocd_abs: int) -> int:
    locator = source.read_at(eocd_abs - 20, 20)
    if len(locator) != 20 or not locator.startswith(b"PK\x06\x07"):
        return -1
    record_abs = eocd_abs - 20 - 56
    record = source.read_at(record_abs, 56)
    if len(record) != 56 or not record.startswith(b"PK\x06\x06"):
        return -1
    cd_size: int = struct.unpack_from("<Q", record, 40)[0]
    return record_abs - cd_size
