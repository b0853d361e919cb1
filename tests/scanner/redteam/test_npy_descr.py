""".npy headers whose descr numpy reads as an object dtype in another spelling (red team).

numpy.load passes ``descr`` to ``numpy.dtype``: "object" and "object_" are "O", and a
(base, shape) tuple is a subarray of its base. Both make the data a pickle that
``numpy.load(allow_pickle=True)`` runs; the scanner called them "cannot be sized"
(suspicious) instead of analysing the pickle.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tests.fixtures.archives import rules_of, scan_bytes
from tests.scanner.redteam.build import proves_payload_runs
from weightscan.scanner import Verdict


def npy(descr: str):  # type: ignore[no-untyped-def]
    def build(command: str) -> bytes:
        header = ("{'descr': " + descr + ", 'fortran_order': False, 'shape': (1,), }").encode()
        header += b" " * (-(len(header) + 11) % 64) + b"\n"
        pickle = b"cos\nsystem\n(S'" + command.encode() + b"'\ntR."
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + pickle

    return build


DESCRS = ["'object'", "'object_'", "('O', (2,))", "('|O', 3)", "[('a', ('O', (1,)))]"]


@pytest.mark.parametrize("descr", DESCRS)
def test_object_spellings_are_pickles(descr: str) -> None:
    report = scan_bytes(npy(descr)("touch /tmp/weightscan-redteam-npy"), name="a.npy")
    assert report.verdict is Verdict.MALICIOUS
    assert "pickle.import.malicious" in rules_of(report)


def test_subarray_of_numbers_is_sized() -> None:
    header = b"{'descr': ('<i2', (3,)), 'fortran_order': False, 'shape': (2,), }"
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    data = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + b"\0" * 12
    assert scan_bytes(data, name="a.npy").verdict is Verdict.CLEAN


@pytest.mark.parametrize("descr", ["'object'", "('O', (2,))"])
def test_proof_numpy_load_runs_it(tmp_path: Path, descr: str) -> None:
    assert proves_payload_runs(tmp_path, "numpy", npy(descr), "a.npy")
