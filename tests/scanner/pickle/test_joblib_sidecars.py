"""Old joblib's side-car files: analysed as joblib.load reads them, when the pickle is on disk.

joblib <= 0.9 pickled an ``NDArrayWrapper`` naming ``<pickle>_01.npy`` next to it, which
``joblib.load`` opens with ``numpy.load(allow_pickle=True)``; compressed dumps pickled a
``ZNDArrayWrapper`` naming a zlib file of raw array bytes. Every file is built here.
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest

from tests.fixtures.pickles import call4, ops, pickle2, pickle4
from tests.scanner.pickle.helpers import finding, rules, scan
from tests.scanner.pickle.test_joblib_arrays import Raw, wrapper
from weightscan.scanner import Severity, Verdict, scan_file

np = pytest.importorskip("numpy")


def nd_wrapper(filename: str, module: str = "joblib.numpy_pickle") -> bytes:
    items = [
        ("allow_mmap", True),
        ("subclass", Raw(ops.GLOBAL("numpy", "ndarray"))),
        ("filename", filename),
    ]
    return pickle2(ops.MARK + wrapper(items, cls=(module, "NDArrayWrapper")) + ops.LIST)


def znd_wrapper(filename: str) -> bytes:
    items = [("state", ()), ("init_args", ()), ("filename", filename)]
    return pickle2(wrapper(items, cls=("joblib.numpy_pickle", "ZNDArrayWrapper")))


def npy(array) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


def npy_object_array(payload: bytes) -> bytes:
    """An object-dtype npy whose data is ``payload`` (numpy.load unpickles it)."""
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * (-(10 + len(header) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + payload


def write(folder: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder / next(iter(files))


def test_benign_side_cars_next_to_the_pickle_are_analysed_and_clean(tmp_path):
    pkl = write(
        tmp_path,
        {
            "m.pkl": nd_wrapper("m.pkl_01.npy"),
            "m.pkl_01.npy": npy(np.arange(5)),
            "m.pkl_02.npy": npy(np.array(["a", 1], dtype=object)),
        },
    )
    report = scan_file(pkl)
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


@pytest.mark.parametrize(
    "side_car",
    [
        npy_object_array(pickle4(call4("os", "system", "echo hi"))),  # object array
        pickle4(call4("os", "system", "echo hi")),  # no npy at all: numpy.load pickles it
    ],
)
def test_a_malicious_side_car_makes_the_pickle_malicious(tmp_path, side_car):
    pkl = write(tmp_path, {"m.pkl": nd_wrapper("m.pkl_01.npy"), "m.pkl_01.npy": side_car})
    report = scan_file(pkl)
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]
    assert any(f.location.member == "m.pkl_01.npy" for f in report.findings)


def test_a_missing_side_car_is_reported(tmp_path):
    pkl = write(tmp_path, {"m.pkl": nd_wrapper("m.pkl_01.npy")})
    report = scan_file(pkl)
    f = finding(report, "pickle.joblib.external-array", filename="m.pkl_01.npy")
    assert "missing" in f.message
    assert report.verdict is Verdict.SUSPICIOUS


def test_a_side_car_link_is_not_followed(tmp_path):
    (tmp_path / "elsewhere.npy").write_bytes(npy(np.arange(3)))
    pkl = write(tmp_path, {"m.pkl": nd_wrapper("m.pkl_01.npy")})
    (tmp_path / "m.pkl_01.npy").symlink_to(tmp_path / "elsewhere.npy")
    report = scan_file(pkl)
    assert "pickle.joblib.external-array" in rules(report)
    assert report.verdict is not Verdict.CLEAN


@pytest.mark.parametrize(
    ("name", "severity"),
    [
        ("sub/m.npy", Severity.MEDIUM),  # a path, even a harmless one, is not a plain name
        ("../m.npy", Severity.HIGH),
        ("/tmp/m.npy", Severity.HIGH),
    ],
)
def test_names_that_are_not_plain_file_names_are_not_looked_up(tmp_path, name, severity):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "m.npy").write_bytes(npy(np.arange(3)))
    pkl = write(tmp_path / "sub", {"m.pkl": nd_wrapper(name)})
    report = scan_file(pkl)
    assert finding(report, "pickle.joblib.external-array", filename=name).severity is severity


def test_a_stream_has_no_folder_so_its_side_car_stays_unanalysed():
    report = scan(nd_wrapper("m.pkl_01.npy"))
    assert "pickle.joblib.external-array" in rules(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_a_compressed_joblib_pickle_finds_its_zfile_side_car(tmp_path):
    data = np.arange(5).tobytes()
    zfile = b"ZF" + hex(len(data)).encode().ljust(19) + zlib.compress(data)
    pkl = write(tmp_path, {"m.pkl": znd_wrapper("m.pkl_01.npy.z"), "m.pkl_01.npy.z": zfile})
    report = scan_file(pkl)
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]
    (tmp_path / "m.pkl_01.npy.z").write_bytes(b"not a zfile")
    assert scan_file(pkl).verdict is not Verdict.CLEAN


def test_a_pickle_inside_an_archive_does_not_look_next_to_the_archive(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "a.zip", "w") as zf:
        zf.writestr("m.pkl", nd_wrapper("m.pkl_01.npy"))
    (tmp_path / "m.pkl_01.npy").write_bytes(npy(np.arange(3)))
    report = scan_file(tmp_path / "a.zip")
    assert "pickle.joblib.external-array" in rules(report)
    assert report.verdict is not Verdict.CLEAN
