"""torch's pre-zip tar format: ``storages`` and ``tensors`` interleave pickles with raw
bytes (torch/serialization.py ``legacy_load``). Each pickle in them is unpickled by
torch.load, so each is analysed, the raw records skipped by the sizes torch reads."""

from __future__ import annotations

import struct

from tests.fixtures.archives import BENIGN, P2_PAYLOAD, make_tar, rules_of, scan_bytes
from weightscan.scanner import Verdict


def _int(n: int) -> bytes:
    return b"\x80\x02K" + bytes([n]) + b"."


def _args(key: str, second: bytes, kind: str) -> bytes:
    """(key, second, torch.<kind>) as protocol 2 with a GLOBAL, as torch pickles it."""
    k = key.encode()
    return (
        b"\x80\x02X"
        + struct.pack("<I", len(k))
        + k
        + second
        + b"ctorch\n"
        + kind.encode()
        + b"\n\x87q\x00."
    )


def _unicode(text: str) -> bytes:
    return b"X" + struct.pack("<I", len(text)) + text.encode()


def storages_member(extra: bytes = b"") -> bytes:
    floats = struct.pack("<2f", 1.0, 2.0)
    body = _int(1) + _args("0", _unicode("cpu"), "FloatStorage") + struct.pack("<q", 2) + floats
    return body + extra + b"\x80\x02]q\x00."  # storage_views: an empty list


def tensors_member(extra: bytes = b"") -> bytes:
    record = struct.pack("<i", 1) + b"\0" * 4 + struct.pack("<qqq", 2, 1, 0)
    return _int(1) + _args("t0", _unicode("0"), "FloatTensor") + record + extra


def torch_tar(storages: bytes, tensors: bytes) -> bytes:
    return make_tar(
        [
            ("sys_info", b"\x80\x02}q\x00."),
            ("pickle", BENIGN),
            ("storages", storages),
            ("tensors", tensors),
        ]
    )


def test_a_legacy_tar_checkpoint_is_clean():
    report = scan_bytes(torch_tar(storages_member(), tensors_member()))
    assert report.format == "pytorch-tar"
    assert report.verdict is Verdict.CLEAN, report.findings


def test_a_payload_after_the_first_storage_record_is_found():
    # the count says two storages: the second one's header pickle is the payload
    data = storages_member().replace(_int(1), _int(2), 1)
    data = data[: -len(b"\x80\x02]q\x00.")] + P2_PAYLOAD + b"\x80\x02]q\x00."
    report = scan_bytes(torch_tar(data, tensors_member()))
    assert report.verdict is Verdict.MALICIOUS, rules_of(report)


def test_a_payload_after_a_tensor_record_is_found():
    data = tensors_member().replace(_int(1), _int(2), 1) + P2_PAYLOAD
    report = scan_bytes(torch_tar(storages_member(), data))
    assert report.verdict is Verdict.MALICIOUS, rules_of(report)


def test_an_unknown_storage_type_is_not_clean():
    data = storages_member().replace(b"FloatStorage", b"WeirdStorage")
    report = scan_bytes(torch_tar(data, tensors_member()))
    assert report.verdict is not Verdict.CLEAN


def test_the_layout_is_recognised_past_a_large_first_member():
    # torch.load extracts members by name; a big member first hides the names from a head
    data = storages_member().replace(_int(1), _int(2), 1)
    data = data[: -len(b"\x80\x02]q\x00.")] + P2_PAYLOAD + b"\x80\x02]q\x00."
    tar = make_tar(
        [
            ("README", b"x" * 20_000),
            ("pickle", BENIGN),
            ("storages", data),
            ("tensors", tensors_member()),
        ]
    )
    report = scan_bytes(tar)
    assert report.format == "pytorch-tar"
    assert report.verdict is Verdict.MALICIOUS, rules_of(report)
