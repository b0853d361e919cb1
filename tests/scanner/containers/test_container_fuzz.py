"""Property tests: arbitrary and mutated zip, tar and compressed bytes always give a report,
never an exception (not even a caught one: no ``scanner.internal-error``) and never a hang."""

from __future__ import annotations

import os
import tempfile
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.archives import (
    BENIGN,
    COMPRESSORS,
    P2_PAYLOAD,
    make_tar,
    make_zip,
    rules_of,
    scan_bytes,
    sparse_torch_zip,
    torch_like_zip,
)
from weightscan.scanner import Verdict

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _zip64_seed() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "z64.pt")
        sparse_torch_zip(path, 64, P2_PAYLOAD)
        with open(path, "rb") as f:
            return f.read()


SEEDS = [
    torch_like_zip(P2_PAYLOAD),
    _zip64_seed(),
    make_zip({"a/data.pkl": BENIGN, "a/b.txt": b"hello"}, compression=zipfile.ZIP_DEFLATED),
    make_zip({"x.pkl": P2_PAYLOAD}, compression=zipfile.ZIP_BZIP2),
    make_tar([("pickle", BENIGN), ("storages", P2_PAYLOAD)]),
    *(c(P2_PAYLOAD + BENIGN * 20) for c in COMPRESSORS.values()),
]


def _check(data: bytes) -> None:
    report = scan_bytes(data)
    assert "scanner.internal-error" not in rules_of(report), report.findings
    assert report.verdict in Verdict


@SETTINGS
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
)
def test_mutated_containers(seed, flips):
    data = bytearray(seed)
    for pos, value in flips:
        data[pos % len(data)] = value
    _check(bytes(data))


@SETTINGS
@given(st.sampled_from(SEEDS), st.integers(0, 10**6))
def test_truncated_containers(seed, cut):
    _check(seed[: cut % len(seed)])


@SETTINGS
@given(
    st.sampled_from(
        [
            b"PK\x03\x04",
            b"PK\x05\x06",
            b"\x1f\x8b\x08",
            b"BZh9",
            b"\xfd7zXZ\x00",
            b"\x28\xb5\x2f\xfd",
            b"\x04\x22\x4d\x18",
            b"ZF0x10",
            b"x\x9c",
        ]
    ),
    st.binary(max_size=600),
)
def test_magic_followed_by_arbitrary_bytes(magic, rest):
    _check(magic + rest)


@SETTINGS
@given(st.binary(min_size=0, max_size=400), st.sampled_from(SEEDS[:4]))
def test_arbitrary_prefix_and_suffix_around_a_zip(junk, seed):
    _check(junk + seed)
    _check(seed + junk)
