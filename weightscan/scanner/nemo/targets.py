"""Which Hydra ``_target_`` paths are known model-library classes, and which run code."""

from __future__ import annotations

import re

from weightscan.scanner.keras.names import DANGEROUS_BUILTINS, DANGEROUS_MODULE_ROOTS

# Libraries a NeMo config instantiates: models, modules, optimizers, data loaders.
SAFE_PREFIXES = (
    "nemo.",
    "nemo_text_processing.",
    "torch.nn.",
    "torch.optim.",
    "torch.utils.data.",
    "torchaudio.transforms.",
    "lightning.pytorch.",
    "pytorch_lightning.",
    "megatron.core.",
    "apex.optimizers.",
    "apex.normalization.",
    "transformers.optimization.",
)
# Within them, callables that load other files (which can hold pickles) or run code.
_LOADING_SUFFIXES = (
    ".load",
    ".loads",
    ".restore_from",
    ".from_pretrained",
    ".load_from_checkpoint",
    ".load_state_dict",
    ".import_module",
    ".pipeline",  # transformers.pipeline(..., trust_remote_code=True) imports Hub code
)
# Model-library callables that import code from files or the Hub whatever their prefix:
# transformers/diffusers dynamic modules (a remote repository's module, any ``.py`` path)
# and SpeechBrain's ``foreign_class`` (a fetched ``custom.py``).
_CODE_IMPORTERS = frozenset(
    {"get_class_from_dynamic_module", "get_class_in_module", "foreign_class"}
)
_CODE_IMPORTING_MODULES = frozenset({"dynamic_module_utils", "dynamic_modules_utils"})
_MODEL_LIBRARIES = frozenset({"torch"})  # dangerous for Keras to import, normal for NeMo
_DANGEROUS_EXTRA = frozenset({"hydra", "builtins", "exec", "eval"})  # hydra.utils.call runs a path
# Hydra's _locate walks a dotted path by getattr, so ``torch.utils.data.dataloader.os.system``
# is os.system reached *through* a module that imported os: these names inside a path are a
# walk through a module object, never a class of the library the path starts with.
_WALKED_MODULES = frozenset(
    {
        "os",
        "posix",
        "nt",
        "subprocess",
        "sys",
        "builtins",
        "importlib",
        "runpy",
        "pickle",
        "_pickle",
        "marshal",
        "ctypes",
        "pty",
        "shutil",
        "socket",
        "dill",
        "cloudpickle",
        "functools",
        "operator",
        "hydra",
        "codecs",
        "io",
        "pathlib",
        "tempfile",
        "urllib",
    }
)
# ``torch`` inside a path (``nemo.collections.tts.torch.data`` is a real NeMo package) is a
# walk back into torch when what follows is torch's own loading or code machinery.
_TORCH_WALKS = frozenset(
    {
        "package",
        "serialization",
        "hub",
        "jit",
        "utils",
        "load",
        "_C",
        "ops",
        "_dynamo",
        "fx",
        "distributed",
        "compile",
        "library",
    }
)


_INTERPOLATION = re.compile(r"\$\{[^}]*\}?")


def classify(target: str, extra_safe: tuple[str, ...] = ()) -> str:
    """ "dangerous", "unknown" or "safe" (``extra_safe``: more vetted prefixes)."""
    if "${" in target:
        # OmegaConf resolves ``${...}`` before Hydra imports the path, so the literal
        # text is only part of the name: never safe, dangerous if the rest already is.
        literal = classify(_INTERPOLATION.sub("interpolated", target), extra_safe)
        return "dangerous" if literal == "dangerous" else "unknown"
    parts = target.split(".")
    prefixes = {".".join(parts[:i]) for i in range(1, len(parts))} - _MODEL_LIBRARIES
    if prefixes & (DANGEROUS_MODULE_ROOTS | _DANGEROUS_EXTRA) or (
        len(parts) == 1 and target in DANGEROUS_BUILTINS
    ):
        return "dangerous"
    if _walks_through_module(parts):
        return "dangerous"
    if parts[-1] in _CODE_IMPORTERS or not _CODE_IMPORTING_MODULES.isdisjoint(parts):
        return "dangerous"
    if target.startswith(SAFE_PREFIXES + extra_safe) and not target.endswith(_LOADING_SUFFIXES):
        return "safe"
    return "unknown"


def _walks_through_module(parts: list[str]) -> bool:
    for i, part in enumerate(parts[1:-1], start=1):
        if part in _WALKED_MODULES:
            return True
        if part == "torch" and parts[i + 1] in _TORCH_WALKS:
            return True
    return False
