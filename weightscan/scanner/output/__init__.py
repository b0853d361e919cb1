"""Renderers for scan reports: human text, one JSON document, SARIF 2.1.0.

Pure functions from a ``ScanReport`` (or its ``to_dict()`` form, as stored by the service)
to a string. No I/O, no printing: the CLI and the service decide where the text goes.

    >>> from scanner import scan_path
    >>> from weightscan.scanner.output import json_report, sarif_report, text_report
    >>> print(text_report(scan_path("model.pt", compute_sha256=True)))
"""

from weightscan.scanner.output.common import PathError, report_dict
from weightscan.scanner.output.json import json_document, json_report
from weightscan.scanner.output.sarif import sarif_log, sarif_report
from weightscan.scanner.output.text import text_report

FORMATS = ("text", "json", "sarif")

__all__ = [
    "FORMATS",
    "PathError",
    "json_document",
    "json_report",
    "report_dict",
    "sarif_log",
    "sarif_report",
    "text_report",
]
