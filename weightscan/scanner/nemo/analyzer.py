"""A NeMo archive's ``model_config.yaml``: every Hydra ``_target_`` NeMo would instantiate.

The YAML is read with ``yamlconfig.compose`` (safe composer, bounded, nothing
constructed). OmegaConf, which NeMo loads it with, uses a safe loader too: Python tags
(``!!python/object``) make it fail, and are reported.
"""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.nemo.targets import classify
from weightscan.scanner.source import Source
from weightscan.scanner.yamlconfig.compose import (
    MAX_NODES,
    YamlUnreadable,
    compose_source,
    walk,
)

CONFIG_MEMBER = "model_config.yaml"


def analyze_nemo_config(source: Source, ctx: ScanContext) -> None:
    try:
        roots = compose_source(source, single=True, check_time=ctx.check_time)
    except YamlUnreadable as exc:
        ctx.report("nemo.config-invalid", f"model_config.yaml {exc}")
        return
    facts = walk(roots)
    report_targets(ctx, facts.targets, "model_config.yaml")
    python_tags = list(dict.fromkeys(t for _, t in facts.tags if "python/" in t))
    if python_tags:
        ctx.report(
            "nemo.config-invalid",
            f"model_config.yaml uses Python tags "
            f"({', '.join(python_tags[:5])}); the loader refuses them",
            evidence={"tags": python_tags[:5]},
        )
    if not facts.complete:
        ctx.report(
            "nemo.config-invalid",
            f"model_config.yaml has more than {MAX_NODES} nodes; the rest was not checked",
            evidence={"limit": MAX_NODES},
        )
    ctx.note(
        "nemo_config",
        {
            "targets": len(facts.targets),
            "distinct_targets": sorted({t[:120] for _, t in facts.targets})[:20],
        },
    )


def report_targets(
    ctx: ScanContext,
    targets: list[tuple[str, str]],
    file_name: str,
    *,
    extra_safe: tuple[str, ...] = (),
) -> None:
    """One finding per Hydra target that is not a known model-library class."""
    summary = f"{file_name[:120]}: {{more}} more {{rule}} findings"
    with ctx.capped(ctx.limits.max_archive_findings_per_rule, summary=summary) as report:
        for path, target in targets:
            verdict = classify(target, extra_safe)
            if verdict == "safe":
                continue
            rule_id = "nemo.target.dangerous" if verdict == "dangerous" else "nemo.target.unknown"
            report(
                rule_id,
                f"{file_name[:120]} instantiates {target[:120]!r}",
                evidence={"target": target[:200], "path": path},
            )
