"""Payloads carried as text: base64 or hex (maybe compressed) strings that decode to a
pickle, an archive or code, found in pickles, metadata and JSON configs."""

from weightscan.scanner.encoded.decode import Decoded, decode_payload, looks_encoded
from weightscan.scanner.encoded.grade import inspect_string, report_encoded

__all__ = ["Decoded", "decode_payload", "inspect_string", "looks_encoded", "report_encoded"]
