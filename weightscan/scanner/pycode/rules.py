"""Rules for repository Python code (``*.py`` next to a model, ``auto_map`` entries)."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_REMOTE_CODE = (
    "Hugging Face loaders import a repository's Python files when the caller "
    "passes trust_remote_code=True; the import runs the module's top level."
)

RULES: tuple[Rule, ...] = (
    Rule(
        "code.python",
        Severity.MEDIUM,
        "Python source that a model loader may import and run",
        "A *.py file in a model repository is code, not data: " + _REMOTE_CODE + " Its "
        "behaviour cannot be shown safe statically, so it is never clean.",
        ("https://huggingface.co/docs/transformers/custom_models",),
    ),
    Rule(
        "code.process",
        Severity.HIGH,
        "Python code starts a process",
        "os.system, subprocess, os.popen, os.exec*/spawn* and pty.spawn run shell "
        "commands; model code has no reason to. " + _REMOTE_CODE,
    ),
    Rule(
        "code.dynamic-exec",
        Severity.HIGH,
        "Python code runs code built at run time (exec, eval, compile, runpy, ctypes)",
        "exec/eval/compile of anything but a literal, runpy, code.interact, a native "
        "library loaded with ctypes, or a member of os/builtins/sys chosen by a computed "
        "name hides what runs from every reader, this scanner included.",
    ),
    Rule(
        "code.download-exec",
        Severity.CRITICAL,
        "Python code downloads something and executes code",
        "A module that fetches from the network and runs processes, dynamic code or "
        "deserialisers can run whatever the server sends at import time.",
    ),
    Rule(
        "code.deserialization",
        Severity.HIGH,
        "Python code calls a deserialiser that can run code",
        "pickle/dill/marshal loads, torch.load without weights_only=True, joblib.load, "
        "yaml.load without a safe loader and numpy.load allowing pickles execute what "
        "the data says; a module doing so at load time re-opens the hole weights-only "
        "formats close.",
    ),
    Rule(
        "code.auto-map.remote",
        Severity.MEDIUM,
        "A loader config loads code from another repository",
        "An auto_map or custom_pipelines entry of the form org/repo--module.Class, a "
        "sentence-transformers module type of that form, or a diffusers custom pipeline "
        "whose module is not next to it makes the loader fetch and import code this scan "
        "never saw.",
    ),
    Rule(
        "code.config-import",
        Severity.MEDIUM,
        "A loader config makes the library import a module outside it",
        "sentence-transformers imports every modules.json type outside its own package "
        "(from the folder's code or any installed module) and calls its loader, PEFT its "
        "auto_mapping parent_library; what they name cannot be shown harmless.",
    ),
    Rule(
        "code.unparsed",
        Severity.MEDIUM,
        "Python source that could not be parsed",
        "The code could not be analysed (syntax this parser rejects, bad encoding or too "
        "large); what it does is unknown.",
    ),
)
