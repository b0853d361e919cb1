"""The rule catalogue: every ``rule_id`` a finding can carry, with why it matters.

Each analyzer package owns a ``rules`` module exporting ``RULES: tuple[Rule, ...]``;
this module gathers them (in the order of ``_RULE_MODULES``) and renders
``docs/rules.md``. A finding with an id missing from the catalogue is a bug, and
``ScanContext.report`` refuses it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from weightscan.scanner.model import Severity


@dataclass(frozen=True)
class Rule:
    id: str  # stable dotted id, e.g. "pickle.import.malicious"
    severity: Severity  # default severity of its findings
    title: str  # what it detects, one line
    why: str  # why it matters, one or two sentences
    references: tuple[str, ...] = ()  # public references: CVE, advisory, spec


GENERIC_RULES: tuple[Rule, ...] = (
    Rule(
        "scanner.internal-error",
        Severity.HIGH,
        "The scanner itself failed on this file",
        "A bug or an unforeseen input stopped the analysis; the file verdict is `error`, "
        "never `clean`, and the failure is recorded without a traceback.",
    ),
    Rule(
        "limits.time",
        Severity.MEDIUM,
        "The time budget for this file ran out",
        "An input that takes too long to analyse is treated as unknown, not clean: "
        "slow inputs are a classic way to push a payload past a scanner's budget.",
    ),
    Rule(
        "limits.nesting",
        Severity.MEDIUM,
        "Containers are nested deeper than the limit",
        "Archives in archives (or compression in compression) past the configured depth "
        "are not opened; their content is unknown.",
    ),
    Rule(
        "limits.findings",
        Severity.INFO,
        "Too many findings; the rest were dropped",
        "Keeps reports bounded; the verdict still counts the dropped findings.",
    ),
    Rule(
        "limits.resource",
        Severity.MEDIUM,
        "A resource budget ran out",
        "A count, size or depth budget from ScanLimits was reached, so part of the file "
        "was not analysed; the file cannot be shown safe.",
    ),
    Rule(
        "format.malformed",
        Severity.MEDIUM,
        "The content breaks its format's rules",
        "Malformed structure confuses loaders and scanners differently; what a loader "
        "tolerates and a scanner does not is a bypass (parser differential).",
    ),
    Rule(
        "format.unrecognized",
        Severity.MEDIUM,
        "Binary content of a format weightscan does not analyse",
        "Content sniffing found no known model format and no pickle; it cannot be shown "
        "safe, and a file of unknown type is exactly where a renamed pickle would hide.",
        ("CVE-2025-1889", "CVE-2025-10155"),
    ),
    Rule(
        "format.text",
        Severity.INFO,
        "Plain text, not a model format",
        "Text such as JSON, YAML or Markdown is not executed by model loaders; noted so "
        "reports of whole repositories list every file.",
    ),
    Rule(
        "format.extension-mismatch",
        Severity.LOW,
        "The file name suggests another format than its content",
        "Scanners that trust extensions skip renamed pickles; loaders go by content.",
        ("CVE-2025-1889", "CVE-2025-10155"),
    ),
    Rule("format.empty", Severity.INFO, "The file is empty", "Nothing to load, nothing to run."),
)

# Analyzer packages owning a RULES tuple, in catalogue order.
_RULE_MODULES = (
    "weightscan.scanner.pickle.rules",
    "weightscan.scanner.containers.rules",
    "weightscan.scanner.safetensors.rules",
    "weightscan.scanner.gguf.rules",
    "weightscan.scanner.templates.rules",
    "weightscan.scanner.pycode.rules",
    "weightscan.scanner.keras.rules",
    "weightscan.scanner.hdf5.rules",
    "weightscan.scanner.nemo.rules",
    "weightscan.scanner.yamlconfig.rules",
    "weightscan.scanner.onnx.rules",
    "weightscan.scanner.embeddings.rules",
    "weightscan.scanner.msgpack_format.rules",
    "weightscan.scanner.tensorflow.rules",
    "weightscan.scanner.tflite.rules",
    "weightscan.scanner.coreml.rules",
    "weightscan.scanner.ctranslate2.rules",
    "weightscan.scanner.openvino.rules",
    "weightscan.scanner.ggml_legacy.rules",
    "weightscan.scanner.paddle.rules",
    "weightscan.scanner.encoded.rules",
)


@cache
def catalogue() -> dict[str, Rule]:
    """Every known rule by id. Raises if two modules claim one id."""
    rules: dict[str, Rule] = {}
    groups: list[tuple[Rule, ...]] = [GENERIC_RULES]
    for name in _RULE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real import error inside the module
                raise
            continue
        groups.append(tuple(module.RULES))
    for group in groups:
        for rule in group:
            if rule.id in rules:
                raise ValueError(f"duplicate rule id {rule.id!r}")
            rules[rule.id] = rule
    return rules


def rule(rule_id: str) -> Rule:
    return catalogue()[rule_id]


def render_markdown() -> str:
    """The rule catalogue as Markdown (``docs/rules.md`` is this output)."""
    lines = [
        "# Rule catalogue",
        "",
        "Every finding weightscan reports carries one of these rule ids. Severity maps to a",
        "file verdict: `critical`/`high` make a file `malicious`, `medium` makes it",
        "`suspicious`, `low`/`info` are notes. This file is generated by",
        "`python -m weightscan.scanner.rules > docs/rules.md`; a test keeps it in sync.",
        "",
        "| rule id | severity | detects | why | references |",
        "|---|---|---|---|---|",
    ]
    for r in catalogue().values():
        refs = ", ".join(r.references) or "-"
        cells = (f"`{r.id}`", r.severity.value, _cell(r.title), _cell(r.why), _cell(refs))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


if __name__ == "__main__":
    print(render_markdown(), end="")
