"""Rules for NeMo archives' model_config.yaml (Hydra ``_target_`` instantiation)."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_HYDRA = "https://hydra.cc/docs/advanced/instantiate_objects/overview/"

RULES: tuple[Rule, ...] = (
    Rule(
        "nemo.target.dangerous",
        Severity.CRITICAL,
        "A Hydra `_target_` names a function that runs commands or code",
        "Restoring a .nemo model (or any Hydra-based config loader) instantiates every "
        "`_target_` in its config: Hydra "
        "imports the named callable and calls it with the config's arguments, so "
        "`os.system` or `builtins.eval` runs on load.",
        (_HYDRA,),
    ),
    Rule(
        "nemo.target.unknown",
        Severity.MEDIUM,
        "A Hydra `_target_` outside NeMo, PyTorch and Lightning",
        "Hydra imports and calls whatever `_target_` names; outside the known model "
        "libraries the call cannot be shown harmless.",
        (_HYDRA,),
    ),
    Rule(
        "nemo.config-invalid",
        Severity.MEDIUM,
        "model_config.yaml could not be read whole",
        "Unparsable, oversized or Python-tagged YAML: what the loader would instantiate "
        "was not checked.",
    ),
)
