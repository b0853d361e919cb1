"""Templates over the size caps are analysed as far as the caps allow, and never clean."""

from __future__ import annotations

import json

from weightscan.scanner import Verdict, scan_path
from weightscan.scanner.context import ScanContext
from weightscan.scanner.limits import DEFAULT_LIMITS, ScanLimits
from weightscan.scanner.model import Severity
from weightscan.scanner.templates import analyze_template, textfiles

PAYLOAD = "{{ cycler.__init__.__globals__.os.popen('echo hi').read() }}"
FILLER = "{% for m in messages %}{{ m['content'] }}{% endfor %}\n"


def _findings(text: str | bytes, limits: ScanLimits, **kw):
    ctx = ScanContext.for_file(limits)
    analyze_template(text, ctx, name="tokenizer.chat_template", **kw)
    return ctx.findings


def test_payload_in_the_first_cap_bytes_of_an_oversized_template_is_found():
    limits = DEFAULT_LIMITS.replace(max_template_bytes=4096)
    found = _findings(PAYLOAD + FILLER * 1000, limits)
    rules = {f.rule_id for f in found}
    assert "templates.oversized" in rules
    assert "templates.dunder-access" in rules
    oversized = next(f for f in found if f.rule_id == "templates.oversized")
    assert "not analysed" in oversized.message


def test_oversized_benign_template_is_not_clean():
    limits = DEFAULT_LIMITS.replace(max_template_bytes=4096)
    found = _findings(FILLER * 1000, limits)
    assert max(f.severity.rank for f in found) >= Severity.MEDIUM.rank


def test_truncated_prefix_that_does_not_parse_is_still_read_for_names():
    limits = DEFAULT_LIMITS.replace(max_template_bytes=200)
    text = "{% for m in messages %}{{ m.__class__.__mro__ }}" + "x" * 1000 + "{% endfor %}"
    rules = {f.rule_id for f in _findings(text, limits)}
    assert "templates.dunder-access" in rules


def test_too_many_tokens_still_reads_names():
    limits = DEFAULT_LIMITS.replace(max_template_nodes=200)
    rules = {
        f.rule_id for f in _findings(PAYLOAD + "{{ " + " ~ ".join(["a"] * 100) + " }}", limits)
    }
    assert {"templates.oversized", "templates.dunder-access"} <= rules


def test_unparseable_template_is_read_for_names():
    rules = {f.rule_id for f in _findings("{{ x.__class__ }}{% for %}", DEFAULT_LIMITS)}
    assert {"templates.unparseable", "templates.dunder-access"} <= rules


def test_oversized_tokenizer_config_with_template_is_not_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(textfiles, "MAX_CONFIG_BYTES", 64 * 1024)
    config = tmp_path / "tokenizer_config.json"
    vocab = {f"tok{i}": i for i in range(20_000)}
    config.write_text(json.dumps({"added_tokens_decoder": vocab, "chat_template": PAYLOAD}))
    assert config.stat().st_size > 64 * 1024
    result = scan_path(config).files[0]
    assert result.verdict is Verdict.MALICIOUS
    assert "templates.oversized" in {f.rule_id for f in result.findings}


def test_oversized_tokenizer_config_with_benign_template_is_suspicious(tmp_path, monkeypatch):
    monkeypatch.setattr(textfiles, "MAX_CONFIG_BYTES", 64 * 1024)
    config = tmp_path / "tokenizer_config.json"
    vocab = {f"tok{i}": i for i in range(20_000)}
    config.write_text(
        json.dumps(
            {
                "chat_template": [{"name": "default", "template": FILLER}],
                "added_tokens_decoder": vocab,
            }
        )
    )
    result = scan_path(config).files[0]
    assert result.verdict is Verdict.SUSPICIOUS
    assert "templates.oversized" in {f.rule_id for f in result.findings}


def test_oversized_json_without_a_template_stays_plain(tmp_path, monkeypatch):
    monkeypatch.setattr(textfiles, "MAX_CONFIG_BYTES", 64 * 1024)
    config = tmp_path / "tokenizer.json"
    config.write_text(json.dumps({"model": {"vocab": {f"tok{i}": i for i in range(20_000)}}}))
    assert scan_path(config).files[0].verdict is Verdict.CLEAN


def test_oversized_jinja_file_is_analysed_up_to_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(textfiles, "MAX_CONFIG_BYTES", 64 * 1024)
    jinja = tmp_path / "chat_template.jinja"
    jinja.write_text(PAYLOAD + FILLER * 3000)
    result = scan_path(jinja).files[0]
    assert result.verdict is Verdict.MALICIOUS


def test_templates_past_the_per_file_count_are_reported(tmp_path):
    config = tmp_path / "tokenizer_config.json"
    entries = [{"name": f"t{i}", "template": "{{ messages }}"} for i in range(70)]
    config.write_text(json.dumps({"chat_template": entries}))
    result = scan_path(config).files[0]
    assert result.verdict is Verdict.SUSPICIOUS
    assert "templates.oversized" in {f.rule_id for f in result.findings}


def test_oversized_gguf_template_is_analysed_up_to_the_cap():
    import io

    from tests.fixtures.gguf_builder import STRING, small_model
    from weightscan.scanner.dispatch import analyze
    from weightscan.scanner.formats import Format
    from weightscan.scanner.source import Source

    b = small_model().kv("tokenizer.chat_template", STRING, PAYLOAD + FILLER * 200)
    ctx = ScanContext.for_file(DEFAULT_LIMITS.replace(max_template_bytes=2048))
    analyze(Source(io.BytesIO(b.build())), ctx, Format.GGUF)
    rules = {f.rule_id for f in ctx.findings}
    assert {"templates.oversized", "templates.dunder-access"} <= rules


def test_an_int_literal_past_pythons_digit_limit_is_unparseable_not_a_crash():
    """jinja2's lexer converts int literals with int(): 5000 digits raise ValueError, not a
    syntax error (found by the template fuzzer)."""
    import io
    import struct

    from weightscan.scanner import scan_stream

    template = "{{ ()|attr('%c%cclass%c%c'|format(95,95,95," + "9" * 5000 + ")) }}"

    def gstr(text: str) -> bytes:
        return struct.pack("<Q", len(text)) + text.encode()

    data = (
        b"GGUF"
        + struct.pack("<IQQ", 3, 0, 1)
        + gstr("tokenizer.chat_template")
        + struct.pack("<I", 8)
        + gstr(template)
    )
    report = scan_stream(io.BytesIO(data)).files[0]
    found = {f.rule_id for f in report.findings}
    assert "scanner.internal-error" not in found
    assert "templates.unparseable" in found
    assert report.verdict.value != "clean"
