"""A pickle is a pickle however long its first opcode's argument: sniffing reads the stream.

Each attack starts with an opcode whose argument is longer than any head the sniffer
reads (a protocol-0 line, a BINBYTES blob) or with bytes another magic claims, then
imports and calls. ``pickle.load`` runs it; the scanner must never call it text or other.
"""

from __future__ import annotations

import pickletools
import struct

import pytest

from tests.fixtures.archives import (
    BENIGN,
    COMPRESSORS,
    make_tar,
    make_zip,
    rules_of,
    scan_bytes,
)
from weightscan.scanner import Verdict

CALL = b"cos\nsystem\n(S'echo weightscan-test'\ntR."
LONG = 20_000  # well past the sniffer's head and the probe's window

ATTACKS = {
    "unicode-line": b"V" + b"A" * LONG + b"\n0" + CALL,
    "binbytes": b"B" + struct.pack("<I", LONG) + b"\0" * LONG + b"0" + CALL,
    "binunicode": b"X" + struct.pack("<I", LONG) + b"A" * LONG + b"0" + CALL,
    "binbytes8": b"\x8e" + struct.pack("<Q", LONG) + b"A" * LONG + b"0" + CALL,
    "gif89a-binfloat": b"GIF89a\x01\x00" + b"0" + CALL + bytes(range(256)) * 4,
    "text-then-call": b"Version 1 of the weights\n0" + CALL,
    # a long run of harmless opcodes past the probe's budget, then the import
    "long-preamble": b"V" + b"A" * LONG + b"\n" + b"N0" * 150_000 + CALL,
    "long-quoted-string": b"S'" + b"A" * LONG + b"'\n0" + CALL,
}


def _parses_to_import(data: bytes) -> bool:
    """The standard library's opcode walk agrees that the stream imports os.system."""
    return any(
        op.name == "GLOBAL" and arg == "os system" for op, arg, _ in pickletools.genops(data)
    )


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_is_a_pickle_for_the_stdlib(name):
    assert _parses_to_import(ATTACKS[name])


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_long_first_opcode_is_analysed_as_a_pickle(name):
    report = scan_bytes(ATTACKS[name])
    assert report.format == "pickle"
    assert report.verdict is Verdict.MALICIOUS, report.findings


@pytest.mark.parametrize("codec", sorted(COMPRESSORS))
@pytest.mark.parametrize(
    "name", ["unicode-line", "binbytes", "gif89a-binfloat", "long-quoted-string"]
)
def test_inside_every_compressed_stream(codec, name):
    report = scan_bytes(COMPRESSORS[codec](ATTACKS[name]))
    assert report.verdict is Verdict.MALICIOUS, (codec, name, rules_of(report))


@pytest.mark.parametrize("member", ["storages", "tensors", "pickle", "notes.txt"])
def test_inside_tar_members(member):
    data = make_tar([("sys_info", BENIGN), (member, ATTACKS["unicode-line"])])
    report = scan_bytes(data)
    assert report.verdict is Verdict.MALICIOUS, rules_of(report)


@pytest.mark.parametrize("member", ["README.md", "weights.bin", "image.gif", "x"])
def test_inside_zip_members_whatever_their_name(member):
    for attack in ("unicode-line", "binunicode", "gif89a-binfloat"):
        report = scan_bytes(make_zip([(member, ATTACKS[attack])]))
        assert report.verdict is Verdict.MALICIOUS, (member, attack, rules_of(report))


# -- look-alikes that stay what they are ----------------------------------------------------

GIF = (
    b"GIF89a\x10\x00\x10\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00"
    b"\x00,\x00\x00\x00\x00\x10\x00\x10\x00\x00\x02\x0e\x8c\x8f\xa9\xcb\xed\x0f\xa3\x9c"
    b"\xb4\xda\x8b\xb3\xde\x00;"
)

BENIGN_LOOKALIKES = {
    "long-first-line-text": b"Very long first line " + b"word " * 5000 + b"\nsecond line\n",
    "unquoted-long-S-line": b"S" + b"ome text " * 3000 + b"\nmore\n",
    "csv-starting-with-I": b"Id,name\n" + b"1,abc\n" * 5000,
    "quoted-long-line-then-prose": b"S'" + b"A" * LONG + b"'\nThen prose follows.\n",
    "gif-image": GIF,
    "license": b"Licensed under the Apache License, Version 2.0\n" * 300,
}


@pytest.mark.parametrize("name", sorted(BENIGN_LOOKALIKES))
def test_look_alikes_are_not_pickles(name):
    report = scan_bytes(BENIGN_LOOKALIKES[name])
    assert report.format in ("text", "other"), report.format
    assert report.verdict is Verdict.CLEAN, rules_of(report)
