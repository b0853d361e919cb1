"""Report what a Keras model config holds: the ``config.json`` of a ``.keras`` archive, and
the ``model_config``/``training_config`` attributes of a Keras 2 HDF5 file."""

from __future__ import annotations

import json

from weightscan.scanner import jsontext
from weightscan.scanner.context import ScanContext
from weightscan.scanner.keras.config import check_config_text
from weightscan.scanner.source import Source

MAX_CONFIG_BYTES = 64 << 20
_CLASS_NAME_KEY = jsontext.key_pattern("class_name")


def analyze_keras_config(source: Source, ctx: ScanContext) -> None:
    """A ``.keras`` archive's config.json (the zip analyzer forces this format)."""
    if source.size > MAX_CONFIG_BYTES:
        ctx.report(
            "keras.config-invalid",
            f"config.json is larger than {MAX_CONFIG_BYTES} bytes; not checked",
            evidence={"size": source.size},
        )
        return
    report_config(ctx, source.head(source.size).decode("utf-8", "replace"), "config.json")


def analyze_keras_json(source: Source, ctx: ScanContext) -> None:
    """A Keras object serialised as JSON text outside a ``.keras`` archive: what
    ``model.to_json()`` writes and ``model_from_json`` reads, or a keras-hub preset's
    config.json. Other JSON (and other text) is left alone."""
    # json.loads takes any leading whitespace, keys in any order and escaped key spellings
    if not jsontext.starts_object(source, ctx) or not jsontext.contains(
        source, ctx, _CLASS_NAME_KEY
    ):
        return
    if source.size > MAX_CONFIG_BYTES:
        ctx.report(
            "keras.config-invalid",
            f"a Keras-shaped JSON file larger than {MAX_CONFIG_BYTES} bytes; not checked",
            evidence={"size": source.size},
        )
        return
    text = source.head(source.size).decode("utf-8", "replace")
    try:
        root = json.loads(text)
    except RecursionError:
        # a loader with a higher recursion limit reads it: judged as unreadable config
        report_config(ctx, text, source.name or "JSON model config")
        return
    except ValueError:
        return  # not JSON after all: plain text to every loader
    if isinstance(root, dict) and isinstance(root.get("class_name"), str) and "config" in root:
        report_config(ctx, text, source.name or "JSON model config")


def report_config(ctx: ScanContext, text: str, where: str) -> None:
    facts = check_config_text(text)
    summary = f"{where}: {{more}} more {{rule}} findings"
    with ctx.capped(ctx.limits.max_archive_findings_per_rule, summary=summary) as report:
        for issue in facts.issues:
            report(issue.rule_id, f"{where}: {issue.message}", evidence=issue.evidence)
    key = "keras_training_config" if where == "training_config" else "keras_config"
    ctx.note(
        key,
        {"source": where, "objects": facts.objects, "classes": dict(facts.classes.most_common(20))},
    )
