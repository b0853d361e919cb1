"""TensorFlow SavedModel and frozen GraphDef: ordinary exports (whose graphs always hold
SaveV2/RestoreV2) are clean; ops that run Python are malicious; file and network ops are
suspicious; the variables/ folder is data."""

from __future__ import annotations

import io

import pytest

from tests.fixtures.protobuf_builder import f, msg
from tests.fixtures.tensorflow_builder import (
    benign_graph,
    checkpoint_index,
    function,
    node,
    s_attr,
    saved_model,
)
from tests.scanner.test_sniff import SENTENCEPIECE
from weightscan.scanner import Verdict, scan_path, scan_stream
from weightscan.scanner.formats import Format
from weightscan.scanner.sniff import sniff_format
from weightscan.scanner.source import Source


def scan_bytes(raw: bytes, name: str = "saved_model.pb"):
    return scan_stream(io.BytesIO(raw), name=name).files[0]


def rules(report) -> set[str]:
    return {x.rule_id for x in report.findings}


def sniff(raw: bytes) -> Format:
    return sniff_format(Source(io.BytesIO(raw)))


def test_benign_saved_model_and_frozen_graph_are_clean():
    sm = saved_model(benign_graph())
    assert sniff(sm) is Format.TF_SAVED_MODEL
    report = scan_bytes(sm)
    assert report.verdict is Verdict.CLEAN, report.findings
    assert report.summary["tensorflow"]["nodes"] == 9
    assert report.summary["tensorflow"]["functions"] == 1
    assert report.summary["tensorflow"]["tags"] == ["serve"]
    frozen = benign_graph()
    assert sniff(frozen) is Format.TF_GRAPHDEF
    assert scan_bytes(frozen, "frozen.pb").verdict is Verdict.CLEAN


def test_sentencepiece_is_still_not_a_graph():
    assert sniff(SENTENCEPIECE) is Format.OTHER


@pytest.mark.parametrize("op", ["PyFunc", "PyFuncStateless", "EagerPyFunc"])
def test_python_ops_are_malicious_in_graph_and_functions(op):
    in_graph = saved_model(benign_graph(node("p", op, s_attr("token", "pyfunc_0"))))
    in_function = saved_model(benign_graph(functions=(function("f", node("p", op)),)))
    for raw in (in_graph, in_function):
        report = scan_bytes(raw)
        assert report.verdict is Verdict.MALICIOUS
        hit = [x for x in report.findings if x.rule_id == "tensorflow.op.python"]
        assert hit[0].evidence["op"] == op
    assert scan_bytes(benign_graph(node("p", op)), "frozen.pb").verdict is Verdict.MALICIOUS


@pytest.mark.parametrize(
    "op", ["ReadFile", "WriteFile", "MatchingFiles", "ImmutableConst", "TextLineDataset"]
)
def test_file_ops_are_suspicious(op):
    report = scan_bytes(saved_model(benign_graph(node("io", op))))
    assert report.verdict is Verdict.SUSPICIOUS
    assert "tensorflow.op.file" in rules(report)


def test_print_to_a_file_is_suspicious_print_to_stderr_is_not():
    to_file = node("p", "PrintV2", s_attr("output_stream", "file:///tmp/leak"))
    to_err = node("p", "PrintV2", s_attr("output_stream", "stderr"))
    assert scan_bytes(saved_model(benign_graph(to_file))).verdict is Verdict.SUSPICIOUS
    assert scan_bytes(saved_model(benign_graph(to_err))).verdict is Verdict.CLEAN


def test_network_ops_are_suspicious():
    report = scan_bytes(saved_model(benign_graph(node("r", "RpcCall"))))
    assert report.verdict is Verdict.SUSPICIOUS
    assert "tensorflow.op.network" in rules(report)


@pytest.mark.parametrize("asset", ["../../etc/passwd", "/etc/passwd"])
def test_asset_paths_out_of_the_folder_are_malicious(asset):
    report = scan_bytes(saved_model(benign_graph(), assets=("vocab.txt", asset)))
    assert report.verdict is Verdict.MALICIOUS
    assert "tensorflow.asset.path" in rules(report)


def test_saved_model_folder_with_variables_is_clean(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(saved_model(benign_graph(), assets=("vocab.txt",)))
    (tmp_path / "fingerprint.pb").write_bytes(
        msg(f(1, 2**63 + 5), f(2, 7), f(3, 9), f(4, 11), f(5, 13), f(6, msg(f(1, 1))))
    )
    variables = tmp_path / "variables"
    variables.mkdir()
    (variables / "variables.index").write_bytes(checkpoint_index())
    (variables / "variables.data-00000-of-00001").write_bytes(bytes(range(256)) * 64)
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "vocab.txt").write_text("a\nb\n")
    reports = {r.path.rsplit("/", 1)[-1]: r for r in scan_path(tmp_path).files}
    assert {k: r.verdict for k, r in reports.items()} == dict.fromkeys(reports, Verdict.CLEAN), {
        k: r.findings for k, r in reports.items()
    }
    assert reports["variables.index"].format == "tf-checkpoint-index"
    assert reports["variables.data-00000-of-00001"].format == "tensor-data"


def test_a_shard_without_its_index_stays_unrecognised(tmp_path):
    (tmp_path / "variables.data-00000-of-00001").write_bytes(bytes(range(256)) * 64)
    assert scan_path(tmp_path).files[0].verdict is Verdict.SUSPICIOUS


def test_truncated_and_broken_graphs_are_not_clean():
    raw = saved_model(benign_graph(node("p", "PyFunc")))
    assert scan_bytes(raw[:-7]).verdict is not Verdict.CLEAN
    assert scan_bytes(raw + b"\x0b").verdict is not Verdict.CLEAN


def _fingerprint(*extra: bytes) -> bytes:
    return msg(f(1, 2**63 + 5), f(2, 7), f(3, 9), f(4, 11), f(5, 13), f(6, msg(f(1, 1))), *extra)


@pytest.mark.parametrize(
    ("extra", "verdict"),
    [
        ((), Verdict.CLEAN),
        # TF 2.15+ adds uuid = 7, a random number in decimal
        ((f(7, b"28619491719797644205107793431487881926"),), Verdict.CLEAN),
        # anything else in that field is bytes nobody reads: not vouched for
        ((f(7, b"\x80\x04cos\nsystem\n"),), Verdict.SUSPICIOUS),
        ((f(7, b"1" * 65),), Verdict.SUSPICIOUS),
        ((f(8, b"12"),), Verdict.SUSPICIOUS),
    ],
    ids=["tf-2.12", "uuid", "uuid-bytes", "uuid-long", "unknown-field"],
)
def test_saved_model_fingerprint(tmp_path, extra, verdict):
    (tmp_path / "fingerprint.pb").write_bytes(_fingerprint(*extra))
    (file,) = scan_path(tmp_path / "fingerprint.pb").files
    assert file.verdict is verdict, file.findings
