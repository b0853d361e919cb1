"""weightscan's scanner: static analysis of model files that never loads them.

    >>> from scanner import scan_path
    >>> report = scan_path("model.pt", compute_sha256=True)
    >>> report.verdict, [f.rule_id for f in report.files[0].findings]

Pure library: standard library plus parsing-only dependencies (jinja2's parser,
zstandard, lz4). No frameworks, no network, no printing.
"""

from scanner.api import scan_file, scan_fileobj, scan_path, scan_stream, sha256_of
from scanner.formats import Format
from scanner.limits import DEFAULT_LIMITS, ScanLimits
from scanner.model import FileReport, Finding, Location, ScanReport, Severity, Verdict
from scanner.rules import Rule, catalogue
from scanner.version import ENGINE_VERSION, RULES_VERSION

__all__ = [
    "DEFAULT_LIMITS",
    "ENGINE_VERSION",
    "RULES_VERSION",
    "FileReport",
    "Finding",
    "Format",
    "Location",
    "Rule",
    "ScanLimits",
    "ScanReport",
    "Severity",
    "Verdict",
    "catalogue",
    "scan_file",
    "scan_fileobj",
    "scan_path",
    "scan_stream",
    "sha256_of",
]
