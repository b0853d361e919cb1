"""Which Hydra ``_target_`` paths are known model-library classes, and which run code."""

from __future__ import annotations

from weightscan.scanner.keras.names import DANGEROUS_BUILTINS, DANGEROUS_MODULE_ROOTS

# Libraries a NeMo config instantiates: models, modules, optimizers, data loaders.
SAFE_PREFIXES = (
    "nemo.", "nemo_text_processing.", "torch.nn.", "torch.optim.", "torch.utils.data.",
    "torchaudio.transforms.", "lightning.pytorch.", "pytorch_lightning.", "megatron.core.",
    "apex.optimizers.", "apex.normalization.", "transformers.optimization.",
)
# Within them, callables that load other files (which can hold pickles) or run code.
_LOADING_SUFFIXES = (".load", ".loads", ".restore_from", ".from_pretrained",
                     ".load_from_checkpoint", ".load_state_dict", ".import_module")
_MODEL_LIBRARIES = frozenset({"torch"})  # dangerous for Keras to import, normal for NeMo
_DANGEROUS_EXTRA = frozenset({"hydra", "builtins", "exec", "eval"})  # hydra.utils.call runs a path


def classify(target: str) -> str:
    """"dangerous", "unknown" or "safe"."""
    parts = target.split(".")
    prefixes = {".".join(parts[:i]) for i in range(1, len(parts))} - _MODEL_LIBRARIES
    if prefixes & (DANGEROUS_MODULE_ROOTS | _DANGEROUS_EXTRA) or \
            (len(parts) == 1 and target in DANGEROUS_BUILTINS):
        return "dangerous"
    if target.startswith(SAFE_PREFIXES) and not target.endswith(_LOADING_SUFFIXES):
        return "safe"
    return "unknown"
