"""Report what a Keras model config holds: the ``config.json`` of a ``.keras`` archive, and
the ``model_config``/``training_config`` attributes of a Keras 2 HDF5 file."""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.keras.config import check_config_text
from weightscan.scanner.source import Source

MAX_CONFIG_BYTES = 64 << 20
_PER_RULE = 20  # findings per rule and config; the rest are counted


def analyze_keras_config(source: Source, ctx: ScanContext) -> None:
    """A ``.keras`` archive's config.json (the zip analyzer forces this format)."""
    if source.size > MAX_CONFIG_BYTES:
        ctx.report("keras.config-invalid", f"config.json is larger than {MAX_CONFIG_BYTES} "
                   "bytes; not checked", evidence={"size": source.size})
        return
    report_config(ctx, source.head(source.size).decode("utf-8", "replace"), "config.json")


def report_config(ctx: ScanContext, text: str, where: str) -> None:
    facts = check_config_text(text)
    counts: dict[str, int] = {}
    for issue in facts.issues:
        counts[issue.rule_id] = counts.get(issue.rule_id, 0) + 1
        if counts[issue.rule_id] <= _PER_RULE:
            ctx.report(issue.rule_id, f"{where}: {issue.message}", evidence=issue.evidence)
    for rule_id, n in counts.items():
        if n > _PER_RULE:
            ctx.report(rule_id, f"{where}: {n - _PER_RULE} more {rule_id} findings",
                       evidence={"more": n - _PER_RULE})
    ctx.note("keras_config", {"source": where, "objects": facts.objects,
                              "classes": dict(facts.classes.most_common(20))})
