"""Rules for YAML configs whose tags make a loader import and call Python names."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_PYYAML = "https://pyyaml.org/wiki/PyYAMLDocumentation"
_HYPERPYYAML = "https://github.com/speechbrain/HyperPyYAML"

RULES: tuple[Rule, ...] = (
    Rule(
        "yaml.tag.dangerous",
        Severity.CRITICAL,
        "A YAML tag makes the loader call a function that runs commands or code",
        "PyYAML's unsafe loader constructs `!!python/object/apply:os.system`, and "
        "HyperPyYAML (SpeechBrain's `from_hparams`) calls `!apply:`/`!new:` targets, "
        "while the file is loaded.",
        (_PYYAML, _HYPERPYYAML),
    ),
    Rule(
        "yaml.tag.unknown",
        Severity.MEDIUM,
        "A YAML tag imports a Python name outside the known model libraries",
        "Python tags and HyperPyYAML `!new:`/`!name:`/`!apply:`/`!module:` tags import "
        "and call what they name; outside known model libraries the call cannot be shown "
        "harmless.",
        (_PYYAML, _HYPERPYYAML),
    ),
    Rule(
        "yaml.include.unchecked",
        Severity.MEDIUM,
        "A HyperPyYAML include reads a file that is not checked as YAML",
        "`!include:<file>` makes HyperPyYAML read the file as YAML and construct its tags "
        "(`!apply:`, `!new:`) with the config's own; a file outside the config's folder or "
        "not named *.yaml/*.yml is not checked for them.",
        (_HYPERPYYAML,),
    ),
    Rule(
        "yaml.config-invalid",
        Severity.MEDIUM,
        "A YAML config could not be read whole",
        "Unparsable, oversized or too deeply nested YAML: the tags and targets a loader "
        "would import were not all checked.",
    ),
)
