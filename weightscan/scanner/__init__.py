"""weightscan's scanner: static analysis of model files that never loads them.

    >>> from scanner import scan_path
    >>> report = scan_path("model.pt", compute_sha256=True)
    >>> report.verdict, [f.rule_id for f in report.files[0].findings]

Pure library: standard library plus parsing-only dependencies (jinja2's parser,
zstandard, lz4). No frameworks, no network, no printing.
"""

from weightscan.scanner.api import scan_file, scan_fileobj, scan_path, scan_stream, sha256_of
from weightscan.scanner.formats import Format
from weightscan.scanner.limits import DEFAULT_LIMITS, ScanLimits
from weightscan.scanner.model import FileReport, Finding, Location, ScanReport, Severity, Verdict
from weightscan.scanner.rules import Rule, catalogue
from weightscan.scanner.version import ENGINE_VERSION, RULES_VERSION

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
