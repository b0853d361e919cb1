"""ONNX: benign exports are clean; external-data traversal is malicious; custom-op domains
are listed; declared sizes are checked against the data they describe."""

from __future__ import annotations

import io
import os
import time

import pytest

from tests.fixtures.onnx_builder import (
    ORT_MEMORY_MARKER,
    data,
    declared,
    external,
    helper,
    model,
    onnx,
    save_with_external_data,
    tensor,
)
from tests.fixtures.protobuf_builder import f, msg
from weightscan.scanner import Verdict, scan_path, scan_stream
from weightscan.scanner.formats import Format
from weightscan.scanner.sniff import sniff_format
from weightscan.scanner.source import Source


def scan_bytes(raw: bytes):
    return scan_stream(io.BytesIO(raw), name="model.onnx").files[0]


def rules(report) -> set[str]:
    return {x.rule_id for x in report.findings}


def test_benign_model_is_sniffed_clean_and_summarised():
    raw = data(model())
    assert sniff_format(Source(io.BytesIO(raw))) is Format.ONNX
    report = scan_bytes(raw)
    assert report.format == "onnx"
    assert report.verdict is Verdict.CLEAN, report.findings
    assert report.summary["onnx"]["nodes"] == 1
    assert report.summary["onnx"]["initializers"] == 1
    assert report.summary["onnx"]["opset_import"] == {"": 17}


def test_benign_external_data_folder_is_clean(tmp_path):
    m = model([tensor("w", [2, 3]), tensor("v", [4])])
    save_with_external_data(m, tmp_path)
    reports = scan_path(tmp_path).files
    assert {r.path.rsplit("/", 1)[-1]: r.verdict for r in reports} == {
        "model.onnx": Verdict.CLEAN,
        "model.onnx.data": Verdict.CLEAN,
    }, [r.findings for r in reports]
    data_report = next(r for r in reports if r.path.endswith(".data"))
    assert data_report.format == "tensor-data"


@pytest.mark.parametrize(
    "location",
    [
        "../../../../etc/passwd",
        "/etc/passwd",
        "sub/../../secret",
        "C:\\Windows\\win.ini",
        "..\\..\\secret",
        "\\\\server\\share\\w.bin",
        "c:relative-to-drive",
    ],
)
def test_external_data_leaving_the_folder_is_malicious(location):
    report = scan_bytes(data(model([external(tensor("w", [2, 3]), location)])))
    assert report.verdict is Verdict.MALICIOUS
    hit = [x for x in report.findings if x.rule_id == "onnx.external-data.traversal"]
    assert hit
    assert hit[0].evidence["location"] == location
    assert hit[0].evidence["tensor"] == "w"


def test_ort_in_memory_marker_is_malicious():
    t = external(tensor("w", [2, 3]), ORT_MEMORY_MARKER, offset=0x7FFF0000, length=24)
    report = scan_bytes(data(model([t])))
    assert report.verdict is Verdict.MALICIOUS
    assert "onnx.external-data.memory" in rules(report)


@pytest.mark.parametrize("location", ["sub/../w.bin", "w\0.bin", "NUL", "aux.txt"])
def test_odd_but_inside_locations_are_suspicious(location):
    report = scan_bytes(data(model([external(tensor("w", [2, 3]), location)])))
    assert report.verdict is Verdict.SUSPICIOUS
    assert "onnx.external-data.unusual" in rules(report)


def test_symlink_out_of_the_folder_is_malicious(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"x" * 64)
    folder = tmp_path / "repo"
    folder.mkdir()
    os.symlink(outside, folder / "w.bin")
    (folder / "model.onnx").write_bytes(data(model([external(tensor("w", [2, 3]), "w.bin")])))
    report = scan_path(folder / "model.onnx").files[0]
    assert report.verdict is Verdict.MALICIOUS
    assert "onnx.external-data.traversal" in rules(report)


def test_device_behind_a_symlink_is_malicious_and_a_fifo_suspicious(tmp_path):
    os.symlink("/dev/zero", tmp_path / "w.bin")
    os.mkfifo(tmp_path / "pipe.bin")
    (tmp_path / "a.onnx").write_bytes(data(model([external(tensor("w", [2, 3]), "w.bin")])))
    (tmp_path / "b.onnx").write_bytes(data(model([external(tensor("w", [2, 3]), "pipe.bin")])))
    assert scan_path(tmp_path / "a.onnx").files[0].verdict is Verdict.MALICIOUS
    fifo = scan_path(tmp_path / "b.onnx").files[0]
    assert fifo.verdict is Verdict.SUSPICIOUS
    assert "onnx.external-data.unusual" in rules(fifo)


def test_external_range_past_the_data_file_is_suspicious(tmp_path):
    (tmp_path / "w.bin").write_bytes(b"\0" * 16)
    t = external(tensor("w", [2, 3]), "w.bin", offset=0, length=24)
    (tmp_path / "model.onnx").write_bytes(data(model([t])))
    report = scan_path(tmp_path / "model.onnx").files[0]
    assert report.verdict is Verdict.SUSPICIOUS
    assert "onnx.tensor.size" in rules(report)


def test_external_length_that_disagrees_with_the_shape_is_suspicious():
    t = external(tensor("w", [2, 3]), "w.bin", offset=0, length=4)
    report = scan_bytes(data(model([t])))
    assert report.verdict is Verdict.SUSPICIOUS
    assert "onnx.tensor.size" in rules(report)


def test_raw_data_that_disagrees_with_the_shape_is_suspicious():
    lying = tensor("w", [2, 3])
    lying.raw_data = b"\0" * 8  # onnx's helper refuses to write this; its parser reads it
    report = scan_bytes(data(model([lying])))
    assert report.verdict is Verdict.SUSPICIOUS
    assert "onnx.tensor.size" in rules(report)


def test_custom_domains_are_listed_not_condemned():
    node = helper.make_node("MyOp", ["x", "w"], ["y"], domain="com.example.ops")
    report = scan_bytes(data(model(nodes=[node], opsets={"": 17, "com.example.ops": 1})))
    assert report.verdict is Verdict.CLEAN
    listed = [x for x in report.findings if x.rule_id == "onnx.domain.custom"]
    assert listed
    assert listed[0].evidence["domain"] == "com.example.ops"
    assert listed[0].evidence["op_types"] == ["MyOp"]


def test_standard_and_local_function_domains_are_not_listed():
    fn = helper.make_function(
        "local.fns",
        "Twice",
        ["a"],
        ["b"],
        [helper.make_node("Add", ["a", "a"], ["b"])],
        [helper.make_opsetid("", 17)],
    )
    nodes = [
        helper.make_node("Twice", ["x"], ["t"], domain="local.fns"),
        helper.make_node("Gemm", ["t", "w"], ["u"], domain="ai.onnx"),
        helper.make_node("FusedGemm", ["u", "w"], ["y"], domain="com.microsoft"),
    ]
    report = scan_bytes(
        data(
            model(nodes=nodes, functions=[fn], opsets={"": 17, "local.fns": 1, "com.microsoft": 1})
        )
    )
    assert report.verdict is Verdict.CLEAN
    assert "onnx.domain.custom" not in rules(report)
    assert report.summary["onnx"]["functions"] == 1


def test_traversal_inside_a_subgraph_is_found():
    bad = helper.make_graph(
        [helper.make_node("Identity", ["k"], ["o"])],
        "then",
        [],
        [helper.make_tensor_value_info("o", onnx.TensorProto.FLOAT, [2, 3])],
        initializer=[external(tensor("k", [2, 3]), "../../etc/shadow")],
    )
    ok = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["o"])],
        "else",
        [],
        [helper.make_tensor_value_info("o", onnx.TensorProto.FLOAT, [2, 3])],
    )
    node = helper.make_node("If", ["c"], ["y"], then_branch=bad, else_branch=ok)
    report = scan_bytes(data(model(nodes=[node])))
    assert report.verdict is Verdict.MALICIOUS


def test_traversal_in_a_constant_attribute_is_found():
    node = helper.make_node(
        "Constant", [], ["w"], value=external(tensor("c", [2, 3]), "/etc/passwd")
    )
    report = scan_bytes(data(model([], nodes=[node])))
    assert report.verdict is Verdict.MALICIOUS


def test_a_second_graph_field_is_merged_and_walked():
    # protobuf merges a repeated singular message: the loader sees both graphs' tensors
    evil = msg(
        f(
            5,
            msg(
                f(1, 4),
                f(2, 1),
                f(8, "z"),
                f(13, msg(f(1, "location"), f(2, "/etc/passwd"))),
                f(14, 1),
            ),
        )
    )
    raw = data(model()) + f(7, evil)
    assert scan_bytes(raw).verdict is Verdict.MALICIOUS


def test_group_wire_types_and_truncation_are_not_clean():
    raw = data(model())
    assert scan_bytes(raw[:-3]).verdict is not Verdict.CLEAN
    assert scan_bytes(raw + b"\x0b\x0c").verdict is not Verdict.CLEAN


def test_onnx_oracle_agrees_on_counts():
    nodes = [helper.make_node("Add", ["x", "w"], ["a"]), helper.make_node("Relu", ["a"], ["y"])]
    m = model([tensor("w", [2, 3]), tensor("b", [3])], nodes=nodes)
    raw = data(m)
    parsed = onnx.load_from_string(raw)
    summary = scan_bytes(raw).summary["onnx"]
    assert summary["nodes"] == len(parsed.graph.node)
    assert summary["initializers"] == len(parsed.graph.initializer)
    assert summary["ir_version"] == parsed.ir_version
    assert summary["producer"] == parsed.producer_name
    assert summary["op_types"] == {"Add": 1, "Relu": 1}


def test_two_gigabyte_external_data_scans_in_well_under_a_second(tmp_path):
    count = (2 << 30) // 4
    t = external(declared("w", [count]), "model.onnx.data", offset=0, length=4 * count)
    (tmp_path / "model.onnx").write_bytes(
        data(model([t], nodes=[helper.make_node("Identity", ["w"], ["y"])]))
    )
    with open(tmp_path / "model.onnx.data", "wb") as fh:
        fh.truncate(4 * count)  # sparse: never written, never read
    started = time.monotonic()
    reports = scan_path(tmp_path).files
    elapsed = time.monotonic() - started
    assert [r.verdict for r in reports] == [Verdict.CLEAN, Verdict.CLEAN], [
        r.findings for r in reports
    ]
    assert elapsed < 0.5, elapsed


def test_a_tensor_saved_alone_is_recognised_and_checked(tmp_path):
    import numpy as np
    from onnx import numpy_helper

    raw = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), "x")
    report = scan_bytes(raw.SerializeToString())
    assert report.format == "onnx-tensor"
    assert report.verdict is Verdict.CLEAN, report.findings
    scalar = numpy_helper.from_array(np.array(3, dtype=np.int64))
    assert scan_bytes(scalar.SerializeToString()).verdict is Verdict.CLEAN
    evil = external(tensor("w", [2, 3]), "../../.ssh/id_rsa")
    assert scan_bytes(evil.SerializeToString()).verdict is Verdict.MALICIOUS


# -- tensors saved alone, built field by field (onnx.proto TensorProto, onnx-ml.proto
# SequenceProto/OptionalProto): strict typed-value counts -----------------------------------


def _floats(n: int) -> bytes:
    import struct

    return struct.pack(f"<{n}f", *range(n))


def _tensor(dims: list[int], n_floats: int, data_type: int = 1) -> bytes:
    from tests.fixtures.protobuf_builder import packed

    return msg(packed(1, dims), f(2, data_type), f(4, _floats(n_floats)), f(8, "t"))


def test_a_scalar_string_tensor_has_no_dims_and_is_clean():
    # test_string_concat_zero_dimensional/input_0.pb: data_type STRING, one string, a name
    report = scan_bytes(msg(f(2, 8), f(6, b"cat"), f(8, "x")))
    assert report.format == "onnx-tensor"
    assert report.verdict is Verdict.CLEAN, report.findings


@pytest.mark.parametrize(
    "raw",
    [
        msg(f(2, 8), f(6, b"cat"), f(6, b"dog"), f(8, "x")),  # a scalar holds one string
        _tensor([2, 3], 5),  # six floats declared, five given
        _tensor([2], 2, data_type=99),  # no such data type
        msg(f(2, 1), f(5, b"\x01\x02")),  # a float in int32_data
        msg(f(2, 1), f(4, b"abc")),  # bytes that are not whole floats
    ],
)
def test_typed_values_that_disagree_with_type_and_shape_are_not_clean(raw):
    report = scan_bytes(raw)
    assert report.verdict is not Verdict.CLEAN
    assert "onnx.tensor.size" in rules(report) or report.format != "onnx-tensor"


def test_sequences_and_optionals_of_tensors_are_clean():
    good = _tensor([2, 3], 6)
    sequence = msg(f(1, "seq"), f(2, 1), f(3, good), f(3, good))
    assert scan_bytes(sequence).verdict is Verdict.CLEAN
    optional = msg(f(1, "opt"), f(2, 3), f(5, sequence))
    assert scan_bytes(optional).verdict is Verdict.CLEAN
    empty = msg(f(1, "opt"), f(2, 0))
    assert scan_bytes(empty).verdict is Verdict.CLEAN


@pytest.mark.parametrize(
    "raw",
    [
        msg(f(1, "seq"), f(2, 1), f(3, _tensor([2, 3], 6)), f(3, _tensor([2, 3], 4))),
        msg(f(1, "seq"), f(2, 3), f(3, _tensor([2, 3], 6))),  # elem_type says sequences
        msg(f(1, "map"), f(2, 4), f(6, b"\x08\x01")),  # maps are not modelled
    ],
)
def test_sequences_with_a_bad_element_are_not_clean(raw):
    assert scan_bytes(raw).verdict is not Verdict.CLEAN
