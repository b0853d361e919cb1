"""Recognise a Keras 3 ``.keras`` archive by its member names."""

from __future__ import annotations

CONFIG_MEMBER = "config.json"
_WEIGHTS_MEMBERS = frozenset({"model.weights.h5", "model.weights.npz"})


def is_keras_archive(names: list[str]) -> bool:
    """config.json next to model.weights.h5 (or .npz) at the top: what keras.saving writes."""
    members = set(names)
    return CONFIG_MEMBER in members and bool(members & _WEIGHTS_MEMBERS)
