"""Padding: a large benign prefix, then the payload. The engine streams the whole file
(no window, no sampling), so the payload is found whatever the prefix is made of; when
the time budget runs out first, the file is still not clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.pickles import benign_list, call0, call4, ops
from tests.scanner.pickle.helpers import finding, no_internal_error, rules
from weightscan.scanner import ScanLimits, Verdict, scan_path

MB = 1 << 20
PAYLOAD4 = ops.POP + call4("os", "system", "touch /tmp/weightscan-padded") + ops.STOP
PAYLOAD0 = ops.POP + call0("os", "system", "touch /tmp/weightscan-padded") + ops.STOP


def _prefixes() -> dict[str, bytes]:
    big = 12 * MB  # far past any window; 100 MB+ runs are in tests.scanner.pickle.perf_dense
    return {
        "memoized strings": benign_list(1_500_000),
        "one BINBYTES8": ops.proto(4) + ops.BINBYTES8(b"\x00" * big),
        "one BINUNICODE8": ops.proto(4) + ops.BINUNICODE8("a" * big),
        "protocol-0 STRING line": b"S'" + b"b" * big + b"'\n",
        "protocol-0 UNICODE line": b"V" + b"c" * big + b"\n",
        "NONE/POP run": ops.proto(4) + ops.NONE + (ops.NONE + ops.POP) * MB,
        "frames": ops.proto(4)
        + ops.NONE
        + b"".join(ops.FRAME(64 * 1024) + (ops.NONE + ops.POP) * (32 * 1024) for _ in range(40)),
        "many small pickles": b"".join([ops.proto(2) + ops.NONE + ops.STOP] * 500_000)
        + ops.proto(2)
        + ops.NONE,
    }


@pytest.mark.parametrize("kind", list(_prefixes()))
def test_payload_after_a_large_benign_prefix_is_found(kind, tmp_path: Path):
    prefix = _prefixes()[kind]
    payload = PAYLOAD0 if kind.startswith("protocol-0") else PAYLOAD4
    path = tmp_path / "padded.pkl"
    path.write_bytes(prefix + payload)
    report = scan_path(path).files[0]
    no_internal_error(report)
    assert report.verdict is Verdict.MALICIOUS, (kind, [f.to_dict() for f in report.findings])
    assert finding(report, "pickle.import.malicious", module="os", name="system")


def test_payload_after_a_joblib_array_of_many_megabytes(tmp_path: Path):
    np = pytest.importorskip("numpy")
    joblib = pytest.importorskip("joblib")
    path = tmp_path / "m.joblib"
    joblib.dump([np.zeros(4 * MB)], path)  # 32 MB of array bytes between opcodes
    data = path.read_bytes()
    path.write_bytes(data[:-1] + PAYLOAD4)
    report = scan_path(path).files[0]
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]


def test_time_budget_on_a_padded_file_is_not_clean(tmp_path: Path):
    path = tmp_path / "padded.pkl"
    path.write_bytes(benign_list(2_000_000) + PAYLOAD4)
    report = scan_path(path, limits=ScanLimits(max_seconds=0.05)).files[0]
    assert "limits.time" in rules(report), [f.to_dict() for f in report.findings]
    assert report.verdict is not Verdict.CLEAN
