"""Per-rule finding caps fail closed: past a cap, findings of a rule are only counted, one
summary finding per rule says how many were not shown, and that summary carries the worst
severity among them, so a dropped critical finding still decides the verdict.

Every cap is a field of ``ScanLimits``; each test sets it small and makes more findings.
"""

from __future__ import annotations

import json
import tarfile

import msgpack

from tests.fixtures.archives import make_tar, scan_bytes, tar_special
from tests.fixtures.flatbuffer_builder import tflite_model
from tests.fixtures.gguf_builder import small_model
from tests.fixtures.onnx_builder import data as onnx_bytes
from tests.fixtures.onnx_builder import external, model
from tests.fixtures.onnx_builder import tensor as onnx_tensor
from tests.fixtures.safetensors_builder import PICKLE_PAYLOAD, make_safetensors, tensor
from tests.fixtures.tensorflow_builder import benign_graph, node, saved_model
from tests.scanner.modelformats.test_nemo import CONFIG, nemo
from weightscan.scanner.context import ScanContext
from weightscan.scanner.limits import DEFAULT_LIMITS, ScanLimits
from weightscan.scanner.model import FileReport, Finding, Severity, Verdict
from weightscan.scanner.templates import analyze_template

CAP = 3
EXTRA = 7  # findings past the cap, per rule


def _summaries(findings: tuple[Finding, ...] | list[Finding], rule_id: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id and "more" in f.evidence]


def _assert_capped(
    findings: tuple[Finding, ...] | list[Finding],
    rule_id: str,
    *,
    more: int,
    worst: Severity,
) -> None:
    """``CAP`` findings of ``rule_id`` in full, then one summary counting ``more`` others
    at the worst severity among them."""
    shown = [f for f in findings if f.rule_id == rule_id and "more" not in f.evidence]
    assert len(shown) == CAP, [f.message for f in shown]
    (summary,) = _summaries(findings, rule_id)
    assert summary.evidence["more"] == more
    assert str(more) in summary.message
    assert summary.severity is worst


# -- archive members (containers/members.py) ---------------------------------------------------


def test_archive_findings_are_capped_per_rule_and_the_rest_counted():
    links = [tar_special(f"l{i}", tarfile.SYMTYPE, "../../etc/passwd") for i in range(CAP + EXTRA)]
    limits = DEFAULT_LIMITS.replace(max_archive_findings_per_rule=CAP)
    report = scan_bytes(make_tar(links), "a.tar", limits=limits)
    _assert_capped(report.findings, "archive.link", more=EXTRA, worst=Severity.MEDIUM)
    _assert_capped(report.findings, "archive.path-traversal", more=EXTRA, worst=Severity.HIGH)
    assert report.verdict is Verdict.MALICIOUS


# -- safetensors header entries ----------------------------------------------------------------


def test_safetensors_entry_findings_are_capped_per_rule_and_the_rest_counted():
    header = {f"t{i}": tensor("NOPE", [1], 0, 0) for i in range(CAP + EXTRA)}
    limits = DEFAULT_LIMITS.replace(max_findings_per_rule=CAP)
    report = scan_bytes(make_safetensors(header), "m.safetensors", limits=limits)
    _assert_capped(report.findings, "safetensors.tensor.dtype", more=EXTRA, worst=Severity.MEDIUM)
    assert report.verdict is Verdict.SUSPICIOUS


def test_safetensors_overlaps_use_the_same_cap():
    header = {f"t{i}": tensor("U8", [4], 0, 4) for i in range(CAP + EXTRA + 1)}
    limits = DEFAULT_LIMITS.replace(max_findings_per_rule=CAP)
    report = scan_bytes(make_safetensors(header, bytes(4)), "m.safetensors", limits=limits)
    _assert_capped(
        report.findings, "safetensors.offsets.overlap", more=EXTRA, worst=Severity.MEDIUM
    )


# -- uncovered regions (safetensors and GGUF, weightscan.scanner.hidden_bytes) -------------------


def _safetensors_with_holes(holes: int, payload_in_last: bytes) -> bytes:
    """``holes`` one-tensor-wide gaps of zeros; the last gap holds ``payload_in_last``."""
    width = len(payload_in_last)
    header, data, pos = {}, b"", 0
    for i in range(holes):
        gap = payload_in_last if i == holes - 1 else bytes(width)
        header[f"t{i}"] = tensor("U8", [4], pos + width, pos + width + 4)
        data += gap + bytes(4)
        pos += width + 4
    return make_safetensors(header, data)


def test_a_payload_in_a_safetensors_hole_past_the_cap_still_makes_the_file_malicious():
    data = _safetensors_with_holes(CAP + EXTRA, PICKLE_PAYLOAD)
    limits = DEFAULT_LIMITS.replace(max_hidden_region_findings=CAP)
    report = scan_bytes(data, "m.safetensors", limits=limits)
    _assert_capped(report.findings, "safetensors.data.hidden", more=EXTRA, worst=Severity.MEDIUM)
    assert report.verdict is Verdict.MALICIOUS


def _gguf_with_holes(holes: int, payload_in_last: bytes) -> bytes:
    """A GGUF model whose tensors leave ``holes`` gaps; the last one holds the payload."""
    b = small_model()
    gap = 256  # a multiple of the alignment, larger than the payload
    last = b.tensors[-1]
    pos = last.offset + last.nbytes
    for i in range(holes):
        b.tensor(f"spaced{i}", [8], "F32", offset=pos + gap)
        pos += gap + 32
    data = bytearray(b.build())
    hole = b.tensors[-1].offset - gap
    data_start = len(data) - (pos + (-pos % 32))
    start = data_start + hole
    data[start : start + len(payload_in_last)] = payload_in_last
    return bytes(data)


def test_a_payload_in_a_gguf_hole_past_the_cap_still_makes_the_file_malicious():
    data = _gguf_with_holes(CAP + EXTRA, PICKLE_PAYLOAD)
    limits = DEFAULT_LIMITS.replace(max_hidden_region_findings=CAP)
    report = scan_bytes(data, "m.gguf", limits=limits)
    _assert_capped(report.findings, "gguf.data.hidden", more=EXTRA, worst=Severity.MEDIUM)
    assert "gguf.hidden.payload" in {f.rule_id for f in report.findings}
    assert report.verdict is Verdict.MALICIOUS


def test_gguf_findings_are_capped_per_rule_and_the_rest_counted():
    b = small_model()
    for i in range(CAP + EXTRA):
        b.tensor(f"bad{i}", [33], "Q8_0", nbytes=34)
    limits = DEFAULT_LIMITS.replace(max_findings_per_rule=CAP)
    report = scan_bytes(b.build(), "m.gguf", limits=limits)
    (summary,) = _summaries(report.findings, "gguf.tensor.invalid")
    assert summary.evidence["more"] >= EXTRA
    assert "not listed" in summary.message


# -- chat templates --------------------------------------------------------------------------


def _template_findings(text: str, limits: ScanLimits) -> list[Finding]:
    ctx = ScanContext.for_file(limits)
    analyze_template(text, ctx, name="tokenizer.chat_template")
    return ctx.findings


def test_a_dunder_after_many_template_findings_is_not_dropped():
    calls = "".join(f"{{{{ helper{i}() }}}}\n" for i in range(CAP + EXTRA))
    text = calls + "{{ cycler.__init__.__globals__ }}\n"
    limits = DEFAULT_LIMITS.replace(max_findings_per_rule=CAP)
    found = _template_findings(text, limits)
    _assert_capped(found, "templates.unexpected-call", more=EXTRA, worst=Severity.MEDIUM)
    assert "templates.dunder-access" in {f.rule_id for f in found}
    assert max(f.severity.rank for f in found) == Severity.CRITICAL.rank


def test_template_findings_past_the_cap_are_counted_per_rule():
    text = "".join(f"{{{{ x{i}.__class__ }}}}\n" for i in range(CAP + EXTRA))
    limits = DEFAULT_LIMITS.replace(max_findings_per_rule=CAP)
    found = _template_findings(text, limits)
    _assert_capped(found, "templates.dunder-access", more=EXTRA, worst=Severity.CRITICAL)


# -- pickle imports (pickle/analyzer.py) -------------------------------------------------------


def test_a_called_dunder_import_past_the_cap_keeps_its_critical_severity():
    # Imported only: HIGH. Imported and called: CRITICAL. The called one comes last.
    body = b"".join(f"cmod{i}\n__doc__\n0".encode() for i in range(CAP + EXTRA - 1))
    body += b"cmodz\n__doc__\n(S'a'\ntR."
    limits = DEFAULT_LIMITS.replace(max_pickle_import_findings=CAP)
    report = scan_bytes(body, "x.pkl", limits=limits)
    _assert_capped(report.findings, "pickle.import.dunder", more=EXTRA, worst=Severity.CRITICAL)
    assert report.verdict is Verdict.MALICIOUS


def test_unknown_imports_past_the_cap_are_counted():
    body = b"".join(f"cmod{i}\nthing\n0".encode() for i in range(CAP + EXTRA)) + b"N."
    limits = DEFAULT_LIMITS.replace(max_pickle_import_findings=CAP)
    report = scan_bytes(body, "x.pkl", limits=limits)
    _assert_capped(report.findings, "pickle.import.unknown", more=EXTRA, worst=Severity.MEDIUM)
    assert report.verdict is Verdict.SUSPICIOUS


# -- the mechanism itself ----------------------------------------------------------------------


def test_a_dropped_finding_raises_the_summary_to_its_severity():
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    with ctx.capped(1) as report:
        report("pickle.import.dunder", "shown")  # HIGH by default
        report("pickle.import.dunder", "dropped", severity=Severity.CRITICAL)
    (summary,) = _summaries(ctx.findings, "pickle.import.dunder")
    assert summary.severity is Severity.CRITICAL
    assert summary.evidence["more"] == 1


def test_the_summary_is_written_even_when_the_analysis_stops_early():
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    try:
        with ctx.capped(1) as report:
            report("archive.link", "shown")
            report("archive.path-traversal", "shown")
            report("archive.path-traversal", "dropped")
            raise TimeoutError
    except TimeoutError:
        pass
    assert _summaries(ctx.findings, "archive.path-traversal")
    assert not _summaries(ctx.findings, "archive.link")


def test_caps_are_limits_an_embedder_can_set():
    names = {
        "max_findings_per_rule",
        "max_archive_findings_per_rule",
        "max_hidden_region_findings",
        "max_pickle_import_findings",
    }
    assert names <= set(ScanLimits.__dataclass_fields__)
    for name in names:
        try:
            DEFAULT_LIMITS.replace(**{name: 0})
        except ValueError:
            continue
        raise AssertionError(f"{name}=0 accepted")


def _report_json(report: FileReport) -> str:
    return json.dumps(report.to_dict(), sort_keys=True)


def test_below_every_cap_nothing_is_summarised():
    data = _safetensors_with_holes(2, PICKLE_PAYLOAD)
    report = scan_bytes(data, "m.safetensors")
    assert '"more"' not in _report_json(report)
    assert report.verdict is Verdict.MALICIOUS


# -- the other per-rule caps, on the same mechanism ------------------------------------------------


def test_tensorflow_graph_findings_past_the_cap_are_a_finding_not_only_a_note():
    nodes = [node(f"io{i}", "ReadFile") for i in range(CAP + EXTRA)]
    limits = DEFAULT_LIMITS.replace(max_findings_per_rule=CAP)
    report = scan_bytes(saved_model(benign_graph(*nodes)), "saved_model.pb", limits=limits)
    _assert_capped(report.findings, "tensorflow.op.file", more=EXTRA, worst=Severity.MEDIUM)
    assert report.verdict is Verdict.SUSPICIOUS


def test_nemo_targets_past_the_cap_are_counted():
    extra = "".join(
        f"extra{i}:\n  _target_: my_company.models.Net{i}\n" for i in range(CAP + EXTRA)
    )
    config = CONFIG + extra + "evil:\n  _target_: os.system\n"
    limits = DEFAULT_LIMITS.replace(max_archive_findings_per_rule=CAP)
    report = scan_bytes(nemo(config), "m.nemo", limits=limits)
    _assert_capped(report.findings, "nemo.target.unknown", more=EXTRA, worst=Severity.MEDIUM)
    assert report.verdict is Verdict.MALICIOUS


def test_msgpack_unknown_extensions_past_the_cap_are_counted():
    data = msgpack.packb({"params": {f"w{i}": msgpack.ExtType(42, b"x") for i in range(10)}})
    limits = DEFAULT_LIMITS.replace(max_archive_findings_per_rule=CAP)
    report = scan_bytes(data, "m.msgpack", limits=limits)
    _assert_capped(report.findings, "msgpack.unknown-ext", more=EXTRA, worst=Severity.MEDIUM)


def test_tflite_buffers_past_the_cap_are_counted():
    far = [(b"", 1 << 40, 1 << 20)] * (CAP + EXTRA)
    limits = DEFAULT_LIMITS.replace(max_findings_per_rule=CAP)
    report = scan_bytes(tflite_model([], buffers=[(b"", 0, 0), *far]), "m.tflite", limits=limits)
    _assert_capped(report.findings, "tflite.buffer.range", more=EXTRA, worst=Severity.MEDIUM)


def test_onnx_findings_past_the_cap_are_a_finding_not_only_a_note():
    lying = [
        external(onnx_tensor(f"w{i}", [2, 3]), "w.bin", offset=0, length=4)
        for i in range(CAP + EXTRA)
    ]
    limits = DEFAULT_LIMITS.replace(max_findings_per_rule=CAP)
    report = scan_bytes(onnx_bytes(model(lying)), "model.onnx", limits=limits)
    _assert_capped(report.findings, "onnx.tensor.size", more=EXTRA, worst=Severity.MEDIUM)
    assert report.verdict is Verdict.SUSPICIOUS
