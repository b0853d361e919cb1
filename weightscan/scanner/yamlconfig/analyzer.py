"""YAML files outside a ``.nemo`` archive: the Python names their loaders import and call.

A ``.yaml``/``.yml`` text file in a model repository is read by name by the library that
goes with it: SpeechBrain's ``from_hparams`` (HyperPyYAML tags), NeMo restoring an
extracted folder or any Hydra-based code (``_target_``), latent-diffusion style
``instantiate_from_config`` (``target``), or an unsafe PyYAML load (Python tags). Each
named callable is classified like a NeMo target; a file that cannot be read whole is not
clean.
"""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.nemo.analyzer import report_targets
from weightscan.scanner.nemo.targets import classify
from weightscan.scanner.source import Source
from weightscan.scanner.yamlconfig import tags
from weightscan.scanner.yamlconfig.compose import (
    MAX_NODES,
    YamlUnreadable,
    compose_source,
    walk,
)

YAML_SUFFIXES = (".yaml", ".yml")
# Model libraries whose configs name their own classes (besides NeMo's vetted ones).
_MODEL_LIBRARIES = ("speechbrain.", "ldm.", "sgm.", "diffusers.", "transformers.")


def analyze_yaml_text(source: Source, ctx: ScanContext) -> None:
    """Judge a text file named ``*.yaml``/``*.yml``; other names are left alone."""
    name = source.name or "config.yaml"
    if not name.lower().endswith(YAML_SUFFIXES):
        return
    try:
        roots = compose_source(source, single=False, check_time=ctx.check_time)
    except YamlUnreadable as exc:
        ctx.report("yaml.config-invalid", f"{name[:120]} {exc}")
        return
    facts = walk(roots)
    report_targets(ctx, facts.targets, name, extra_safe=_MODEL_LIBRARIES)
    _report_tags(ctx, facts.tags, name)
    if not facts.complete:
        ctx.report(
            "yaml.config-invalid",
            f"{name[:120]} has more than {MAX_NODES} nodes; the rest was not checked",
            evidence={"limit": MAX_NODES},
        )


def _checked_as_yaml(included: str) -> bool:
    """Whether an included file is one this scan reads as YAML: a *.yaml/*.yml inside the
    config's folder (a parent folder, an absolute path or another name is not)."""
    parts = included.replace("\\", "/").split("/")
    return (
        bool(included)
        and not included.startswith(("/", "~"))
        and ".." not in parts
        and ":" not in included
        and included.lower().endswith(YAML_SUFFIXES)
    )


def _report_tags(ctx: ScanContext, found: list[tuple[str, str]], file_name: str) -> None:
    summary = f"{file_name[:120]}: {{more}} more {{rule}} findings"
    with ctx.capped(ctx.limits.max_archive_findings_per_rule, summary=summary) as report:
        for path, tag in found:
            included = tags.included_file(tag)
            if included is not None and not _checked_as_yaml(included):
                report(
                    "yaml.include.unchecked",
                    f"{file_name[:120]}: tag {tag[:120]!r} makes HyperPyYAML read "
                    f"{included[:120] or 'a file'} as YAML and run its tags; that file is "
                    "not checked as YAML here",
                    evidence={"tag": tag[:200], "path": path},
                )
                continue
            target = tags.imported_name(tag)
            if target is None:
                continue
            verdict = classify(target, _MODEL_LIBRARIES) if target else "unknown"
            if verdict == "safe":
                continue
            report(
                "yaml.tag.dangerous" if verdict == "dangerous" else "yaml.tag.unknown",
                f"{file_name[:120]}: tag {tag[:120]!r} makes {tags.loader_of(tag)} "
                f"import {target[:120] or 'a Python name'}",
                evidence={"tag": tag[:200], "path": path},
            )
