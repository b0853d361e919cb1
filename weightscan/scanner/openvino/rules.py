"""Rules for OpenVINO IR models."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_SPEC = "https://docs.openvino.ai/2024/documentation/openvino-ir-format.html"

RULES: tuple[Rule, ...] = (
    Rule(
        "openvino.model",
        Severity.INFO,
        "An OpenVINO IR graph (openvino_model.xml)",
        "XML naming layers of the standard opsets and byte ranges of the weights file; the "
        "runtime builds them from its own compiled operations and runs no code of the file.",
        (_SPEC,),
    ),
    Rule(
        "openvino.custom-ops",
        Severity.INFO,
        "The IR uses operations outside the standard opsets",
        "Such layers load only when the application registers an extension library for "
        "them (core.add_extension); the file cannot bring that code, so the operations are "
        "listed for review.",
        (_SPEC,),
    ),
    Rule(
        "openvino.weights",
        Severity.INFO,
        "OpenVINO IR weights (raw bytes the IR .xml next to it declares)",
        "The runtime copies the byte ranges the .xml's constants name and never interprets "
        "the file otherwise; every range was checked to fit the file.",
        (_SPEC,),
    ),
    Rule(
        "openvino.doctype",
        Severity.MEDIUM,
        "The IR XML carries a DOCTYPE or entity declaration",
        "OpenVINO never writes one; entity declarations are the XML expansion and external "
        "entity tricks, so the file is not parsed further.",
        (_SPEC,),
    ),
)
