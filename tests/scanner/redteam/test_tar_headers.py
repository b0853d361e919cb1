"""Legacy torch tar headers that Python's tarfile accepts and the sniffer did not (red team).

torch.load tries ``tarfile.open`` before unpickling (torch <= 0.1.10 checkpoints) and then
unpickles the ``storages`` member. tarfile accepts a header checksum equal to the signed
byte sum as well as the unsigned one, reads numbers up to the first NUL, and allows an
empty first name. A first header whose name field starts a pickle (BINBYTES8 over the
whole tar) with a signed-only checksum was read as a harmless pickle: clean, while
torch.load ran the ``storages`` pickle.
"""

from __future__ import annotations

import io
import struct
import tarfile
from pathlib import Path

from tests.fixtures.archives import rules_of, scan_bytes
from tests.scanner.redteam.build import proves_payload_runs
from weightscan.scanner import Verdict
from weightscan.scanner.containers.signatures import tar_header_ok, tar_number


def _signed_sum(block: bytes) -> int:
    return 256 + sum(struct.unpack_from("148b8x356b", block))


def _first_header(name: bytes) -> bytes:
    info = tarfile.TarInfo("x")
    block = bytearray(info.tobuf(format=tarfile.GNU_FORMAT)[:512])
    block[0:100] = name.ljust(100, b"\0")
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % _signed_sum(bytes(block))
    return bytes(block)


def signed_checksum_tar(command: str) -> bytes:
    payload = b"cos\nsystem\n(S'" + command.encode() + b"'\ntR."
    info = tarfile.TarInfo("storages")
    info.size = len(payload)
    member = info.tobuf(format=tarfile.GNU_FORMAT) + payload + b"\0" * (-len(payload) % 512)
    total = 512 + len(member) + 1
    first = _first_header(b"\x80\x04\x8e" + struct.pack("<Q", total - 12))
    data = first + member + b"."  # the BINBYTES8 ends just before this STOP
    assert len(data) == total
    return data


def test_tarfile_reads_what_the_sniffer_must_call_a_tar() -> None:
    data = signed_checksum_tar("touch /tmp/weightscan-redteam-tar")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        assert "storages" in tar.getnames()
    assert tar_header_ok(data[:512])


def test_signed_checksum_tar_is_malicious() -> None:
    report = scan_bytes(signed_checksum_tar("touch /tmp/weightscan-redteam-tar"), name="model.pt")
    assert report.verdict is Verdict.MALICIOUS
    assert "pickle.import.malicious" in rules_of(report)


def test_numbers_read_like_tarfile() -> None:
    assert tar_number(b"0000001\0" + b"77") == 1  # up to the first NUL
    assert tar_number(b" 1_0\0") == 8
    assert tar_number(b"\x80" + b"\0" * 10 + b"\x05") == 5
    assert tar_number(b"\xff" + b"\xff" * 11) == -1
    assert tar_number(b"12x\0") is None


def test_proof_torch_load_runs_the_storages_pickle(tmp_path: Path) -> None:
    assert proves_payload_runs(tmp_path, "torch", signed_checksum_tar, "model.pt")
