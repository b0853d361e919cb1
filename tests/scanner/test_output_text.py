"""The text renderer: one block per file, findings with location and code, a summary line."""

from __future__ import annotations

from weightscan.scanner.model import FileReport, Finding, Location, ScanReport, Severity, Verdict
from weightscan.scanner.output import PathError, text_report
from weightscan.scanner.output.text import human_size, printable


def _report(*files: FileReport) -> ScanReport:
    return ScanReport(files=files, engine_version="9.9.9", rules_version="2099.01.01")


MALFORMED = Finding(
    "format.malformed",
    Severity.MEDIUM,
    "pickle: truncated stream",
    Location("archive/data.pkl", 40, 7),
    {"code": "_var0 = os.system('echo hi')\nresult = _var0"},
)
CLEAN = FileReport("models/ok.safetensors", 2048, "safetensors", Verdict.CLEAN, sha256="ab" * 32)
FLAGGED = FileReport(
    "models/bad.pt",
    5 * 1024 * 1024,
    "pytorch-zip",
    Verdict.SUSPICIOUS,
    (MALFORMED,),
    sha256="cd" * 32,
)


def test_one_block_per_file_then_a_summary_line():
    out = text_report(_report(CLEAN, FLAGGED))
    assert out.index("models/ok.safetensors: CLEAN") < out.index("models/bad.pt: SUSPICIOUS")
    assert "format pytorch-zip" in out
    assert "size 5.0 MiB" in out
    assert "sha256 " + "cd" * 32 in out
    last = out.rstrip("\n").splitlines()[-1]
    assert last.startswith("Scanned 2 files (5.0 MiB): 1 suspicious, 1 clean. Verdict: suspicious")
    assert "weightscan 9.9.9, rules 2099.01.01" in last


def test_finding_shows_rule_severity_location_message_and_code_excerpt():
    lines = text_report(_report(FLAGGED)).splitlines()
    head = next(line for line in lines if "format.malformed" in line)
    assert head.strip() == "[medium] format.malformed at archive/data.pkl, byte 40, opcode 7"
    assert "pickle: truncated stream" in lines[lines.index(head) + 1]
    code = [line for line in lines if line.strip().startswith("|")]
    assert [c.strip() for c in code] == ["| _var0 = os.system('echo hi')", "| result = _var0"]
    assert all(c.startswith(" " * 12) for c in code)  # indented under its finding


def test_only_flagged_hides_clean_files_but_keeps_the_summary():
    out = text_report(_report(CLEAN, FLAGGED), only_flagged=True)
    assert "models/ok.safetensors" not in out
    assert "models/bad.pt" in out
    assert "Scanned 2 files" in out


def test_path_errors_are_listed_and_make_the_verdict_error():
    out = text_report(_report(CLEAN), errors=[PathError("gone.pt", "no such file or directory")])
    assert "gone.pt: ERROR\n    no such file or directory" in out
    assert "1 unreadable path. Verdict: error" in out


def test_terminal_control_characters_from_the_file_are_escaped():
    sneaky = Finding(
        "format.malformed",
        Severity.MEDIUM,
        "bad\x1b[2J\x1b[1;1Hclean\u202e",
        Location("a\rb"),
        {"code": "x = 1\x1b]0;title\x07"},
    )
    out = text_report(
        _report(FileReport("m\x1b[31m.pt", 1, "pickle", Verdict.SUSPICIOUS, (sneaky,)))
    )
    assert "\x1b" not in out
    assert "\r" not in out
    assert "\u202e" not in out
    assert "\x07" not in out
    assert "bad\\x1b[2J" in out
    assert "\\u202e" in out
    assert "m\\x1b[31m.pt" in out


def test_long_code_excerpts_are_cut():
    code = "\n".join(f"line{i} = {'x' * 300}" for i in range(100))
    f = FileReport(
        "a.pkl",
        1,
        "pickle",
        Verdict.SUSPICIOUS,
        (Finding("format.malformed", Severity.MEDIUM, "m", evidence={"code": code}),),
    )
    out = text_report(_report(f))
    assert "(70 more lines)" in out
    assert max(len(line) for line in out.splitlines()) < 260


def test_renders_the_stored_dict_form_the_same_way():
    report = _report(CLEAN, FLAGGED)
    assert text_report(report.to_dict()) == text_report(report)


def test_human_size_and_printable():
    assert [human_size(n) for n in (0, 1023, 1024, 1536, 3 * 1024**3)] == [
        "0 B",
        "1023 B",
        "1.0 KiB",
        "1.5 KiB",
        "3.0 GiB",
    ]
    assert printable("plain ü text") == "plain ü text"
    assert printable("tab\there") == "tab\\x09here"
