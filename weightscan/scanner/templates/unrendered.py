"""Templates that no loader we know renders: an injection there is suspicious, no more.

The template is analysed apart (an isolated context); when that analysis finds what
only an injection needs (a dunder, a global object, a call of what runs code: any
finding that would make a rendered template malicious), the file gets one medium
finding quoting it. Anything less (a syntax that is not Jinja, such as Go templates)
says nothing about a file nobody renders as Jinja.
"""

from __future__ import annotations

from weightscan.scanner.context import ScanContext
from weightscan.scanner.model import Severity
from weightscan.scanner.templates.analyzer import analyze_template

_SHOWN = 3


def analyze_unrendered_template(
    text: str | bytes, ctx: ScanContext, *, name: str, offset: int | None = None
) -> None:
    apart = ctx.isolated()
    analyze_template(text, apart, name=name, offset=offset)
    worst = [f for f in apart.findings if f.severity.rank >= Severity.HIGH.rank][:_SHOWN]
    if not worst:
        return
    ctx.report(
        "templates.unrendered-payload",
        f"{name} is a template no known loader renders, and it holds an injection "
        f"({worst[0].rule_id}: {worst[0].message[:160]})",
        offset=offset,
        evidence={
            "template": name[:200],
            "findings": [{"rule_id": f.rule_id, "message": f.message[:300]} for f in worst],
        },
    )
