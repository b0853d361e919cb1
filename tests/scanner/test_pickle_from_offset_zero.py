"""Every format a common loader accepts: a file that unpickles from offset 0 is a pickle too.

``pickle.load``, ``torch.load`` (past its zip and tar checks), ``joblib.load`` (past its
compressor prefixes) and ``numpy.load(allow_pickle=True)`` (past its npy and zip magics)
unpickle any file from its first byte. A file that another format claims (safetensors, an
LZMA-looking header, a zip with data in front) but that also unpickles to an import is
analysed under both views; real files of those formats stay clean.
"""

from __future__ import annotations

import io
import lzma
import pickletools
import struct
import zipfile

import pytest

from tests.fixtures.archives import BENIGN, COMPRESSORS, make_tar, rules_of, scan_bytes
from weightscan.scanner import Verdict
from weightscan.scanner.containers.signatures import is_lzma_alone

CALL = b"cos\nsystem\n(S'echo weightscan-test'\ntR."


def _imports_os_system(data: bytes) -> bool:
    return any(
        op.name == "GLOBAL" and arg == "os system"
        for op, arg, _ in pickletools.genops(io.BytesIO(data))
    )


def safetensors_polyglot() -> bytes:
    """A valid safetensors file whose length bytes start a pickle.

    Byte 0 (0x55, SHORT_BINSTRING) jumps over the length into a metadata string of
    NONE opcodes; a last SHORT_BINSTRING jumps over the end of the JSON and its space
    padding, into the tensor bytes, which are the payload.
    """
    tail = b"0" + CALL
    head = b'{"t":{"dtype":"U8","shape":[%d],"data_offsets":[0,%d]},"__metadata__":{"p":"' % (
        len(tail),
        len(tail),
    )
    first_skip = 100  # lands inside the run of NONE opcodes
    n = 0x55 + 256 * first_skip  # the header length whose first bytes are "U", 100
    closing, jump = b'"}}', b"U "  # SHORT_BINSTRING of 32 bytes: the closing and padding
    pad = 32 - len(closing)
    header = (
        head + b"N" * (n - len(head) - len(jump) - len(closing) - pad) + jump + closing + b" " * pad
    )
    assert len(header) == n
    assert 2 + first_skip > 8 + len(head)
    return struct.pack("<Q", n) + header + tail


def lzma_looking_pickle() -> bytes:
    """BININT swallows the 'dictionary size', BINFLOAT the 'size' and the zero byte."""
    data = b"J" + struct.pack("<I", 1 << 16) + b"G" + b"\x01" * 5 + b"\0\0" + b"\0" + b"0" + CALL
    assert is_lzma_alone(data)
    return data


def zip_swallowed_by_a_pickle() -> bytes:
    """A pickle in front of a zip: BINBYTES swallows the archive, the comment calls.

    zipfile (and scanners built on it) see a zip; pickle.load, torch.load (no PK magic at
    offset 0) and numpy.load (likewise) unpickle it.
    """
    comment = b"0" + CALL
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("arr_0.npy", b"\x93NUMPY\x01\x00v\x00{'descr': '<f4'}")
        z.comment = comment
    archive = buf.getvalue()
    body = len(archive) - len(comment)
    return b"\x80\x02B" + struct.pack("<I", body) + archive


POLYGLOTS = {
    "safetensors": safetensors_polyglot,
    "lzma-alone-header": lzma_looking_pickle,
    "zip-with-a-pickle-in-front": zip_swallowed_by_a_pickle,
}


@pytest.mark.parametrize("name", sorted(POLYGLOTS))
def test_polyglot_unpickles_to_the_call(name):
    assert _imports_os_system(POLYGLOTS[name]())


def test_safetensors_polyglot_is_valid_safetensors():
    np_safetensors = pytest.importorskip("safetensors.numpy")
    tensors = np_safetensors.load(safetensors_polyglot())
    assert list(tensors) == ["t"]


def test_zip_polyglot_is_a_valid_zip():
    with zipfile.ZipFile(io.BytesIO(zip_swallowed_by_a_pickle())) as z:
        assert z.namelist() == ["arr_0.npy"]


@pytest.mark.parametrize("name", sorted(POLYGLOTS))
def test_polyglot_is_also_analysed_as_a_pickle(name):
    report = scan_bytes(POLYGLOTS[name]())
    assert "archive.polyglot" in rules_of(report)
    assert report.verdict is Verdict.MALICIOUS, report.findings


@pytest.mark.parametrize("name", sorted(POLYGLOTS))
def test_polyglot_inside_a_tar_and_a_gzip(name):
    data = POLYGLOTS[name]()
    for wrapped in (make_tar([("model.bin", data)]), COMPRESSORS["gzip"](data)):
        assert scan_bytes(wrapped).verdict is Verdict.MALICIOUS


# -- real files of those formats stay clean ------------------------------------------------


def _benign_files() -> dict[str, bytes]:
    np = pytest.importorskip("numpy")
    files: dict[str, bytes] = {}
    st = pytest.importorskip("safetensors.numpy")
    for n in (1, 7, 40, 300):  # different header lengths, so different first bytes
        files[f"safetensors-{n}"] = st.save(
            {f"w{i}": np.arange(i + 3, dtype=np.float32) for i in range(n)}
        )
    buf = io.BytesIO()
    np.save(buf, np.arange(10.0))
    files["npy"] = buf.getvalue()
    buf = io.BytesIO()
    np.savez(buf, a=np.arange(5), b=np.ones((2, 2)))
    files["npz"] = buf.getvalue()
    buf = io.BytesIO()
    np.savez_compressed(buf, a=np.arange(500))
    files["npz-compressed"] = buf.getvalue()
    files["lzma-alone"] = lzma.compress(b"hello " * 100, format=lzma.FORMAT_ALONE)
    files["tar"] = make_tar([("config.json", b"{}"), ("model.pkl", BENIGN)])
    return files


def test_real_files_of_other_formats_stay_clean():
    for name, data in _benign_files().items():
        report = scan_bytes(data)
        assert report.verdict is Verdict.CLEAN, (name, rules_of(report))
        assert "archive.polyglot" not in rules_of(report)


@pytest.mark.parametrize("compress", [None, "zlib", "gzip", "bz2", "xz", "lzma", "lz4"])
def test_joblib_dumps_stay_clean(tmp_path, compress):
    joblib = pytest.importorskip("joblib")
    np = pytest.importorskip("numpy")
    path = tmp_path / "model.joblib"
    joblib.dump(
        {"w": np.arange(100.0), "name": "m"}, path, compress=(compress, 3) if compress else 0
    )
    report = scan_bytes(path.read_bytes())
    assert report.verdict is Verdict.CLEAN, rules_of(report)


def test_torch_saves_stay_clean(tmp_path):
    torch = pytest.importorskip("torch")
    state = {"w": torch.arange(10.0), "b": torch.zeros(3)}
    for new_zip in (True, False):
        path = tmp_path / f"m{new_zip}.pt"
        torch.save(state, path, _use_new_zipfile_serialization=new_zip)
        report = scan_bytes(path.read_bytes())
        assert report.verdict is Verdict.CLEAN, (new_zip, rules_of(report))


def _safetensors_starting_with_a_line_opcode(tensor: bytes) -> bytes:
    """A valid safetensors file whose header length's first byte is "V" (UNICODE)."""
    header = b'{"t":{"dtype":"U8","shape":[%d],"data_offsets":[0,%d]}}' % (len(tensor), len(tensor))
    n = 0x56 + 256
    return struct.pack("<Q", n) + header.ljust(n) + tensor


def test_a_first_line_too_long_to_follow_is_reported(monkeypatch):
    from weightscan.scanner import dispatch

    data = _safetensors_starting_with_a_line_opcode(b"\0" * 5000)
    assert scan_bytes(data).verdict is Verdict.CLEAN  # the line ends nowhere: no pickle
    monkeypatch.setattr(dispatch, "_MAX_FOLLOWED_LINE", 1000)
    report = scan_bytes(data)
    assert "limits.resource" in rules_of(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_a_line_opcode_then_the_payload_in_the_tensor_bytes():
    data = _safetensors_starting_with_a_line_opcode(b"\0" * 5000 + b"\n0" + CALL)
    assert _imports_os_system(data)
    assert scan_bytes(data).verdict is Verdict.MALICIOUS


def test_an_extension_opcode_at_offset_zero_is_no_import():
    # msgpack maps of 2-4 keys start with 0x82-0x84 (EXT1/2/4); copyreg's registry is empty
    # in a fresh process, so unpickling stops there
    data = b"\x82\x01" + b"0" + CALL
    report = scan_bytes(data)
    assert "archive.polyglot" not in rules_of(report)
    assert report.format != "pickle"
