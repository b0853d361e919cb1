"""Bytes a file loader reads, written as ``_codecs.encode(text, codec)`` with a codec other
than latin-1. The engine read the text as latin-1 whatever the codec, so it analysed bytes
the loader never sees: ``torch.storage._load_from_bytes`` of a cp500-encoded torch zip
that runs ``os.system`` scanned only suspicious (an unrecognised member), and a codec whose
reading is a clean file would have scanned clean.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.scanner.redteam.build import g, proves_payload_runs, s
from weightscan.scanner import Verdict, scan_stream


def _torch_zip(command: str) -> bytes:
    raw = command.encode()
    data = b"\x80\x02cos\nsystem\n(X" + len(raw).to_bytes(4, "little") + raw + b"tR."
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("archive/data.pkl", data)
        zf.writestr("archive/version", b"3\n")
    return out.getvalue()


def _pickle(command: str, codec: str) -> bytes:
    raw = _torch_zip(command).decode(codec).encode("utf-8", "surrogatepass")
    args = b"X" + len(raw).to_bytes(4, "little") + raw + s(codec) + b"\x86"
    return (
        b"\x80\x04"
        + g("torch.storage", "_load_from_bytes")
        + g("_codecs", "encode")
        + args
        + b"R\x85R."
    )


@pytest.mark.parametrize("codec", ["cp500", "cp037"])
def test_other_codec_is_malicious(codec: str) -> None:
    report = scan_stream(
        io.BytesIO(_pickle("touch /tmp/weightscan-redteam-codec", codec)), name="model.pkl"
    )
    assert report.verdict is Verdict.MALICIOUS, report.to_dict()


def test_latin1_still_analysed_as_a_file() -> None:
    report = scan_stream(
        io.BytesIO(_pickle("touch /tmp/weightscan-redteam-codec", "latin1")), name="model.pkl"
    )
    assert report.verdict is Verdict.MALICIOUS


def test_cp500_payload_runs(tmp_path: Path) -> None:
    assert proves_payload_runs(tmp_path, "pickle", lambda c: _pickle(c, "cp500"))
