"""OpenVINO IR: an ordinary .xml/.bin pair scans clean; custom ops are listed; a DOCTYPE,
broken XML or a .bin the IR does not fit stay not clean."""

from __future__ import annotations

import io
import os
import pickle
import struct

import pytest

from weightscan.scanner import Verdict, scan_path, scan_stream
from weightscan.scanner.formats import Format
from weightscan.scanner.openvino.ir import DoctypeFound, read_ir
from weightscan.scanner.sniff import sniff_format
from weightscan.scanner.source import Source


def const(lid: int, offset: int, size: int, shape: str = "4") -> str:
    return (
        f'<layer id="{lid}" name="c{lid}" type="Const" version="opset1">'
        f'<data element_type="f32" shape="{shape}" offset="{offset}" size="{size}"/>'
        f'<output><port id="0" precision="FP32"><dim>4</dim></port></output></layer>'
    )


def ir_xml(*layers: str, version: int = 11, prolog: str = '<?xml version="1.0"?>\n') -> bytes:
    body = "".join(layers)
    return (
        f'{prolog}<net name="Model0" version="{version}"><layers>'
        '<layer id="100" name="x" type="Parameter" version="opset1">'
        '<data shape="1,4" element_type="f32"/></layer>'
        f'{body}<layer id="101" name="y" type="Result" version="opset1"/></layers>'
        '<edges><edge from-layer="100" from-port="0" to-layer="101" to-port="0"/></edges>'
        '<rt_info><framework><item name="x" value="1"/></framework></rt_info>'
        "</net>\n"
    ).encode()


IR = ir_xml(const(1, 0, 16), const(2, 16, 16))
WEIGHTS = struct.pack("<8f", *range(8))


def scan(raw: bytes, name: str = "openvino_model.xml"):
    return scan_stream(io.BytesIO(raw), name=name).files[0]


def write_pair(
    tmp_path, xml: bytes = IR, weights: bytes = WEIGHTS, stem: str = "openvino_model"
) -> str:
    (tmp_path / f"{stem}.xml").write_bytes(xml)
    (tmp_path / f"{stem}.bin").write_bytes(weights)
    return str(tmp_path)


def by_name(report):
    return {os.path.basename(f.path): f for f in report.files}


def test_ordinary_ir_is_clean():
    assert sniff_format(Source(io.BytesIO(IR))) is Format.OPENVINO_IR
    report = scan(IR)
    assert report.format == "openvino-ir"
    assert report.verdict is Verdict.CLEAN, report.findings
    assert report.summary["openvino"] == {"ir_version": "11", "layers": 4, "weight_bytes": 32}


def test_ir_pair_on_disk_scans_clean(tmp_path):
    files = by_name(scan_path(write_pair(tmp_path)))
    weights = files["openvino_model.bin"]
    assert weights.format == "tensor-data"
    assert weights.verdict is Verdict.CLEAN, weights.findings
    assert files["openvino_model.xml"].verdict is Verdict.CLEAN


def test_weights_the_ir_does_not_fit_stay_unrecognised(tmp_path):
    files = by_name(scan_path(write_pair(tmp_path, weights=WEIGHTS[:20])))
    assert files["openvino_model.bin"].verdict is not Verdict.CLEAN


def test_weights_without_their_ir_stay_unrecognised(tmp_path):
    (tmp_path / "openvino_model.bin").write_bytes(WEIGHTS)
    (tmp_path / "other.xml").write_bytes(IR)
    assert scan_path(str(tmp_path / "openvino_model.bin")).files[0].verdict is not Verdict.CLEAN


def test_a_pickle_named_as_weights_stays_a_pickle(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    files = by_name(scan_path(write_pair(tmp_path, weights=pickle.dumps(Evil()) + WEIGHTS)))
    assert files["openvino_model.bin"].verdict is Verdict.MALICIOUS


def test_custom_ops_are_listed():
    raw = ir_xml(const(1, 0, 16), '<layer id="3" name="u" type="MyOp" version="my_ext"/>')
    report = scan(raw)
    assert report.verdict is Verdict.CLEAN
    found = [f for f in report.findings if f.rule_id == "openvino.custom-ops"]
    assert found[0].evidence["ops"] == ["my_ext:MyOp"]


@pytest.mark.parametrize(
    "raw",
    [
        ir_xml(prolog='<?xml version="1.0"?>\n<!DOCTYPE net [<!ENTITY a "aaaa">]>\n'),
        IR[:-10],  # truncated: not well-formed
        IR + b"<net/>",  # a second root
        ir_xml(const(1, -4, 16)),  # negative offset
        ir_xml(const(1, 0, 16), version=99),
        IR.rstrip() + b"\n\x00\x01binary",
    ],
)
def test_bad_ir_is_not_clean(raw: bytes):
    assert scan(raw).verdict is not Verdict.CLEAN


def test_doctype_across_read_chunks_is_refused():
    pad = "<!--" + "x" * ((1 << 20) - 40) + "-->"
    raw = ir_xml(prolog=f'<?xml version="1.0"?>\n{pad}<!DOCTYPE net>\n')
    with pytest.raises(DoctypeFound):
        read_ir(Source(io.BytesIO(raw)))
