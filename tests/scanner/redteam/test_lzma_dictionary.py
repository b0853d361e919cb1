"""LZMA-alone streams with a dictionary size liblzma accepts but the sniffer did not (red team).

joblib.load takes any file starting ``5d 00`` for an LZMA stream and opens it with
``lzma.LZMAFile`` (liblzma's auto decoder), which accepts every dictionary size of the form
2^n or 2^n + 2^(n-1), and 0xFFFFFFFF. The sniffer accepted only 4 KiB .. 1 GiB: a pickle
compressed with a 1 KiB or 2 GiB dictionary header was "unrecognized" (suspicious) while
joblib.load ran it.
"""

from __future__ import annotations

import lzma
import struct
from pathlib import Path

import pytest

from tests.fixtures.archives import rules_of, scan_bytes
from tests.scanner.redteam.build import proves_payload_runs
from weightscan.scanner import Verdict
from weightscan.scanner.containers.signatures import is_lzma_alone


def lzma_with_dictionary(dict_size: int):  # type: ignore[no-untyped-def]
    def build(command: str) -> bytes:
        call = b"cos\nsystem\n(S'" + command.encode() + b"'\ntR."
        data = bytearray(
            lzma.compress(
                call,
                format=lzma.FORMAT_ALONE,
                filters=[{"id": lzma.FILTER_LZMA1, "dict_size": 4096}],
            )
        )
        data[1:5] = struct.pack("<I", dict_size)  # the decoder takes the header's word
        return bytes(data)

    return build


SIZES = [1024, 1 << 31, 0xFFFFFFFF, 3 << 9]


@pytest.mark.parametrize("dict_size", SIZES)
def test_small_and_huge_dictionaries_are_lzma(dict_size: int) -> None:
    data = lzma_with_dictionary(dict_size)("touch /tmp/weightscan-redteam-lzma")
    assert lzma.LZMADecompressor(lzma.FORMAT_AUTO).decompress(data)  # liblzma reads it
    assert is_lzma_alone(data)
    report = scan_bytes(data, name="model.joblib")
    assert report.verdict is Verdict.MALICIOUS
    assert "pickle.import.malicious" in rules_of(report)


def test_non_power_of_two_dictionary_is_not_lzma() -> None:
    data = lzma_with_dictionary(1000)("x")
    assert not is_lzma_alone(data)


@pytest.mark.parametrize("dict_size", [1024, 1 << 31])
def test_proof_joblib_decompresses_and_runs(tmp_path: Path, dict_size: int) -> None:
    assert proves_payload_runs(tmp_path, "joblib", lzma_with_dictionary(dict_size), "model.joblib")
