"""The plain-unpickler view of a joblib file kept only imports the joblib view had not seen
(or had seen uncalled). A file loader called with analysed bytes before the array, and
again inside the "array bytes" with bytes it could not analyse (a cp500 ``_codecs.encode``),
was the same import, called in both views: the second call's "not analysed" flag was
dropped and ``pickle.load`` of a file running ``os.system`` scanned clean.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path

from tests.fixtures.archives import scan_bytes
from tests.scanner.redteam.build import g, proves_payload_runs, s
from tests.scanner.redteam.test_joblib_frame import _wrapper
from weightscan.scanner import Verdict


def _torch_zip(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("archive/data.pkl", data)
        zf.writestr("archive/version", b"3\n")
    return out.getvalue()


def _system(command: str) -> bytes:
    raw = command.encode()
    return b"\x80\x02cos\nsystem\n(X" + len(raw).to_bytes(4, "little") + raw + b"tR."


def _load_from_bytes(data: bytes, codec: str) -> bytes:
    raw = data.decode(codec).encode("utf-8", "surrogatepass")
    return (
        g("torch.storage", "_load_from_bytes")
        + g("_codecs", "encode")
        + b"X"
        + len(raw).to_bytes(4, "little")
        + raw
        + s(codec)
        + b"\x86R\x85R0"
    )


def _build(command: str, codec: str = "cp500") -> bytes:
    benign = _load_from_bytes(_torch_zip(pickle.dumps({"a": 1}, protocol=2)), "latin1")
    tail = _load_from_bytes(_torch_zip(_system(command)), codec)
    return b"\x80\x04" + benign + _wrapper(len(tail)) + tail + b"."


def test_flag_set_only_in_the_plain_view_is_reported() -> None:
    report = scan_bytes(_build("touch /tmp/weightscan-redteam-plainview"), name="m.joblib")
    assert report.verdict is Verdict.MALICIOUS


def test_proof_pickle_load_runs_the_array_bytes(tmp_path: Path) -> None:
    assert proves_payload_runs(tmp_path, "pickle", _build, "m.joblib")
