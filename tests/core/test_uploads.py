"""Streaming uploads: hashed while written, capped inside the loop, nothing half-stored."""

from __future__ import annotations

import errno
import io
import os

import pytest

from tests.core.samples import sha256
from weightscan.core import uploads
from weightscan.core.uploads import (
    CHUNK_BYTES,
    READ_AHEAD,
    UploadIncomplete,
    UploadStorageFull,
    UploadTooLarge,
    display_filename,
    stream_to_temp,
)


class EndlessStream:
    """A client that never stops sending; counts what we read."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, n: int = -1) -> bytes:
        n = CHUNK_BYTES if n < 0 else n
        self.read_bytes += n
        return b"\0" * n


def test_hash_and_size_are_computed_while_streaming(tmp_path):
    data = os.urandom(3 * CHUNK_BYTES + 17)
    path, digest, size = stream_to_temp(io.BytesIO(data), len(data), temp_dir=tmp_path)
    assert (digest, size) == (sha256(data), len(data))
    assert path.read_bytes() == data
    assert path.parent == tmp_path


def test_empty_stream(tmp_path):
    received = stream_to_temp(io.BytesIO(b""), 10, temp_dir=tmp_path)
    assert received.size == 0
    assert received.sha256 == sha256(b"")


def test_cap_is_enforced_inside_the_loop_and_the_temp_file_removed(tmp_path):
    stream = EndlessStream()
    with pytest.raises(UploadTooLarge) as info:
        stream_to_temp(stream, 5 * CHUNK_BYTES, temp_dir=tmp_path)
    assert info.value.max_bytes == 5 * CHUNK_BYTES
    # stopped soon after the cap: at most the read-ahead window (and one read in flight)
    assert stream.read_bytes <= (6 + READ_AHEAD + 1) * CHUNK_BYTES
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("size", "cap", "ok"), [(10, 10, True), (11, 10, False), (0, 0, True)])
def test_cap_boundary(tmp_path, size, cap, ok):
    if ok:
        assert stream_to_temp(io.BytesIO(b"a" * size), cap, temp_dir=tmp_path).size == size
    else:
        with pytest.raises(UploadTooLarge):
            stream_to_temp(io.BytesIO(b"a" * size), cap, temp_dir=tmp_path)
        assert list(tmp_path.iterdir()) == []


def test_disk_full_is_a_clean_error_with_nothing_left(tmp_path, monkeypatch):
    real_fdopen = os.fdopen

    class FullFile:
        def __init__(self, f):
            self._f = f

        def write(self, _data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self._f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._f.close()

    monkeypatch.setattr(uploads.os, "fdopen", lambda fd, mode: FullFile(real_fdopen(fd, mode)))
    with pytest.raises(UploadStorageFull):
        stream_to_temp(io.BytesIO(b"x" * 100), 1000, temp_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_short_stream_against_expected_size(tmp_path):
    with pytest.raises(UploadIncomplete):
        stream_to_temp(io.BytesIO(b"abc"), 100, temp_dir=tmp_path, expected_size=10)
    assert list(tmp_path.iterdir()) == []


def test_client_error_mid_stream_removes_the_temp_file(tmp_path):
    class Broken:
        def __init__(self):
            self.calls = 0

        def read(self, n=-1):
            self.calls += 1
            if self.calls > 2:
                raise ConnectionResetError("client went away")
            return b"x" * 100

    with pytest.raises(ConnectionResetError):
        stream_to_temp(Broken(), 10_000, temp_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("model.pt", "model.pt"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\evil.bin", "evil.bin"),
        ("a b<script>.pkl", "a_b_script_.pkl"),
        ("", "upload"),
        (None, "upload"),
        ("\x00\x01.pkl", "pkl"),
    ],
)
def test_display_filename(raw, expected):
    assert display_filename(raw) == expected


def test_display_filename_is_bounded_and_keeps_the_extension():
    name = display_filename("x" * 1000 + ".safetensors")
    assert len(name) <= 255
    assert name.endswith(".safetensors")
