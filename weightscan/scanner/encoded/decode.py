"""Decode a string that may be base64 or hex of a payload, cheaply rejecting the rest.

Most long strings in model files are names, hashes, token ids or base64 of pictures;
only strings whose decoded head is recognisable (a pickle header, a zip or zlib/gzip
magic, or printable text that may be code) are decoded whole. Every decode is bounded
by ``MAX_DECODED_BYTES`` and by the file's shared budget of decoded bytes.
"""

from __future__ import annotations

import binascii
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from weightscan.scanner.pickle.code_strings import code_in_text
from weightscan.scanner.pickle.probe import looks_like_pickle

MIN_CHARS = 32  # base64 of 24 bytes: the smallest pickle that imports and calls fits
MAX_DECODED_BYTES = 16 * 1024 * 1024  # one value decodes (or inflates) this far at most
_HEAD_CHARS = 32  # decoded first, to decide whether the rest is worth decoding
_HEX_DIGITS = b"0123456789abcdefABCDEF"
_BASE64_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_"
_URLSAFE = bytes.maketrans(b"-_", b"+/")
_ZLIB_LEVELS = frozenset(b"\x01\x5e\x9c\xda")
_PRINTABLE = b"\t\n\r" + bytes(range(0x20, 0x7F))
_Decode = Callable[[bytes], "bytes | None"]


@dataclass(frozen=True)
class Decoded:
    """What a string decodes to."""

    encoding: str  # "base64", "hex", "base64, zlib"...
    kind: str  # "pickle", "zip" or "code"
    data: bytes  # the decoded bytes (a prefix when ``truncated``)
    truncated: bool = False  # the value decodes to more than was kept
    code: str = ""  # for "code": the matching excerpt


def looks_encoded(text: bytes) -> bool:
    """Long enough, and only base64 or hex characters (the cheap test for every string)."""
    return len(text) >= MIN_CHARS and not text.translate(None, _BASE64_CHARS)


def promising_start(head: bytes) -> bool:
    """Might a base64/hex string that starts with ``head`` (16 characters or more) encode
    a payload? The cheap test for each string before ``decode_payload``."""
    head = head[:16]
    try:
        if not head.translate(None, _HEX_DIGITS) and _promising(
            binascii.a2b_hex(head[: len(head) & ~1])
        ):
            return True
        return _promising(binascii.a2b_base64(head.translate(_URLSAFE)))
    except binascii.Error:
        return False


def decode_payload(text: bytes, budget: int = MAX_DECODED_BYTES) -> Decoded | None:
    """What ``text`` (a whole string value) decodes to, if it is recognisable.

    ``budget`` bounds the decoded bytes (the caller's remaining share); a value that
    decodes to more is returned as a ``truncated`` prefix.
    """
    if not looks_encoded(text):
        return None
    text = text.strip()
    cap = min(budget, MAX_DECODED_BYTES)
    for encoding, decode in _decoders(text):
        head = decode(text[:_HEAD_CHARS])
        if head is None or not _promising(head):
            continue
        chars = _chars_for(encoding, cap)
        data = decode(text[:chars])
        if data is None:
            continue
        found = _recognise(encoding, data, truncated=len(text) > chars, cap=cap)
        if found is not None:
            return found
    return None


def _decoders(text: bytes) -> list[tuple[str, _Decode]]:
    """How to read ``text``: as hex when it is only hex digits, and as base64."""
    if not text.translate(None, _HEX_DIGITS):
        return [("hex", _from_hex), ("base64", _from_base64)]
    return [("base64", _from_base64)]


def _from_hex(text: bytes) -> bytes | None:
    try:
        return binascii.a2b_hex(text[: len(text) // 2 * 2])
    except binascii.Error:
        return None


def _from_base64(text: bytes) -> bytes | None:
    core = text.rstrip(b"=").translate(_URLSAFE)
    if b"=" in core:
        core = core[: core.index(b"=")]  # padding ends the value for every decoder
    core = core[: len(core) - (len(core) % 4 == 1)]  # a lone last character decodes nothing
    try:
        return binascii.a2b_base64(core + b"=" * (-len(core) % 4))
    except binascii.Error:
        return None


def _chars_for(encoding: str, cap: int) -> int:
    """Encoded characters that decode to at most ``cap`` bytes."""
    return cap * 2 if encoding == "hex" else cap // 3 * 4


def _promising(head: bytes) -> bool:
    """Could bytes starting with ``head`` be a pickle, an archive, compressed or text?"""
    if len(head) < 2:
        return False
    if head[0] == 0x80 and head[1] <= 5:
        return True
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b")):
        return True
    if head[0] == 0x78 and head[1] in _ZLIB_LEVELS:
        return True
    return not head.translate(None, _PRINTABLE)  # protocol 0/1 pickles and code are text


def _recognise(encoding: str, data: bytes, *, truncated: bool, cap: int) -> Decoded | None:
    if data[:1] == b"\x78" or data[:2] == b"\x1f\x8b":
        inflated, complete = _inflate(data, cap)
        if inflated:
            found = _recognise(
                f"{encoding}, compressed", inflated, truncated=truncated or not complete, cap=cap
            )
            if found is not None:
                return found
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return Decoded(encoding, "zip", data, truncated)
    if looks_like_pickle(data[:4096]):
        return Decoded(encoding, "pickle", data, truncated)
    if not data[:_HEAD_CHARS].translate(None, _PRINTABLE):
        code = code_in_text(data.decode("utf-8", "replace"))
        if code is not None:
            return Decoded(encoding, "code", data, truncated, code)
    return None


def _inflate(data: bytes, cap: int) -> tuple[bytes, bool]:
    """A zlib or gzip stream inflated to at most ``cap`` bytes: (bytes, whether it ended)."""
    inflater = zlib.decompressobj(wbits=47)  # zlib or gzip header, detected
    try:
        out = inflater.decompress(data, cap)
    except zlib.error:
        return b"", False
    return out, inflater.eof
