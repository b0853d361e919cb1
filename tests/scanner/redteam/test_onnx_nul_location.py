"""An ONNX external-data location holding a NUL byte crashed the path check
(``os.path.realpath``: "embedded null byte"), so the file came out ``error`` with an
internal-error finding instead of the ``unusual location`` finding it deserves. The C
loader reads the path up to the NUL; that is the name looked at on disk.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from weightscan.scanner import Verdict, scan_path

ob = pytest.importorskip("tests.fixtures.onnx_builder")


@pytest.mark.parametrize(
    ("location", "rule", "verdict"),
    [
        ("x.bin\x00.txt", "onnx.external-data.unusual", Verdict.SUSPICIOUS),
        # Python loaders see the `..` after the NUL: an attempt to leave the folder
        ("x.bin\x00/../../etc/passwd", "onnx.external-data.traversal", Verdict.MALICIOUS),
    ],
    ids=["nul", "nul-then-dotdot"],
)
def test_nul_in_an_external_location_is_a_finding(
    tmp_path: Path, location: str, rule: str, verdict: Verdict
) -> None:
    (tmp_path / "x.bin").write_bytes(b"\0" * 24)
    model = ob.model([ob.external(ob.declared("w", [2, 3]), location)])
    (tmp_path / "m.onnx").write_bytes(model.SerializeToString())
    report = scan_path(tmp_path / "m.onnx").files[0]
    rules = {f.rule_id for f in report.findings}
    assert "scanner.internal-error" not in rules, report.findings
    assert rule in rules
    assert report.verdict is verdict
