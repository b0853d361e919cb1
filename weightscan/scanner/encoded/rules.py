"""Rules for payloads carried as encoded text."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "payload.encoded",
        Severity.MEDIUM,
        "A string value is base64 or hex (maybe compressed) of a pickle or an archive",
        "No loader decodes it, but a staged attack stores its payload this way for a second "
        "step to decode and load. The decoded content is analysed apart: high when it is "
        "malicious on its own, medium when it is not shown harmless, nothing when it is.",
        ("https://github.com/promptfoo/modelaudit",),
    ),
    Rule(
        "payload.encoded-code",
        Severity.MEDIUM,
        "A string value is base64 or hex of text that holds code",
        "Encoded Python or shell code (a call of `os.system`, `exec`, a pipe into a shell) "
        "waits for an `exec` elsewhere; no loader runs it, so it is suspicious, not "
        "malicious.",
    ),
)
