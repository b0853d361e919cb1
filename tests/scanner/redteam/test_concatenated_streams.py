"""A pickle split across two concatenated .lzma/.xz streams or lz4 frames (red team).

joblib.load reads ``.lzma`` and ``.xz`` files with ``lzma.LZMAFile``, which decodes stream
after stream (either kind, FORMAT_AUTO) as one byte stream. The scanner decoded only the
first stream and analysed the rest as a file of its own, so a payload cut in two (the
``GLOBAL`` opcode's module in one stream, its name and the call in the next) was never
seen whole: only ``compressed.trailing-data`` (suspicious) for a file that runs
``os.system``. Trailing bytes that start no stream are still ignored, as LZMAFile does.
joblib's ``lz4.frame.LZ4FrameFile`` likewise reads frame after frame, and skips a
skippable frame between them (the scanner stopped at its magic number).
"""

from __future__ import annotations

import lzma
import struct
from collections.abc import Callable
from pathlib import Path

import lz4.frame
import pytest

from tests.fixtures.archives import rules_of, scan_bytes
from tests.scanner.redteam.build import proves_payload_runs
from weightscan.scanner import Verdict


def alone(data: bytes) -> bytes:
    return lzma.compress(data, format=lzma.FORMAT_ALONE)


def xz(data: bytes) -> bytes:
    return lzma.compress(data, format=lzma.FORMAT_XZ)


Pack = Callable[[bytes], bytes]
PAIRS: dict[str, tuple[Pack, Pack]] = {
    "lzma+lzma": (alone, alone),
    "xz+lzma": (xz, alone),
    "lzma+xz": (alone, xz),
    "xz+xz": (xz, xz),
}


def split(first: Pack, second: Pack, command: str, between: bytes = b"") -> bytes:
    head = b"(lp0\nI1\na0cos"  # ends inside GLOBAL's module line
    tail = b"\nsystem\n(S'" + command.encode() + b"'\ntR."
    return first(head) + between + second(tail)


SKIPPABLE = struct.pack("<II", 0x184D2A50, 4) + b"skip"


@pytest.mark.parametrize("pair", PAIRS.values(), ids=PAIRS.keys())
def test_split_across_streams_is_malicious(pair: tuple[Pack, Pack]) -> None:
    report = scan_bytes(split(*pair, "touch /tmp/weightscan-redteam-lzma"), name="m.pkl.lzma")
    assert report.verdict is Verdict.MALICIOUS, rules_of(report)
    assert "pickle.import.malicious" in rules_of(report)


def test_bytes_that_start_no_stream_are_trailing_data() -> None:
    report = scan_bytes(alone(b"\x80\x04K\x01.") + b"\xffgarbage", name="m.pkl.lzma")
    assert "compressed.trailing-data" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_proof_joblib_reads_the_streams_as_one(tmp_path: Path) -> None:
    assert proves_payload_runs(tmp_path, "joblib", lambda c: split(alone, alone, c), "m.lzma")


@pytest.mark.parametrize("between", [b"", SKIPPABLE], ids=["frames", "skippable frame"])
def test_split_across_lz4_frames_is_malicious(between: bytes) -> None:
    data = split(lz4.frame.compress, lz4.frame.compress, "touch /tmp/x", between)
    report = scan_bytes(data, name="m.pkl.lz4")
    assert report.verdict is Verdict.MALICIOUS, rules_of(report)


def test_proof_joblib_skips_the_skippable_lz4_frame(tmp_path: Path) -> None:
    def build(command: str) -> bytes:
        return split(lz4.frame.compress, lz4.frame.compress, command, SKIPPABLE)

    assert proves_payload_runs(tmp_path, "joblib", build, "m.lz4")
