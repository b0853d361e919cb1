"""Chat templates outside GGUF: ``tokenizer_config.json`` and ``chat_template.jinja``.

Hugging Face repositories carry the template that runtimes render in
``tokenizer_config.json`` (``chat_template``: a string, or a list of ``{name, template}``)
or, in newer ones, in a ``chat_template.jinja`` file. Both are the same attack surface as
GGUF's ``tokenizer.chat_template`` (CVE-2024-34359).
"""

from __future__ import annotations

import json
from typing import Any

from weightscan.scanner.context import ScanContext
from weightscan.scanner.source import Source
from weightscan.scanner.templates.analyzer import analyze_template

# tokenizer_config.json files are a few KB to a few MB; a larger text file is not one.
MAX_CONFIG_BYTES = 16 * 1024 * 1024


def analyze_text_templates(source: Source, ctx: ScanContext) -> None:
    """Analyse the chat templates a text file carries, if it carries any."""
    if source.size > MAX_CONFIG_BYTES:
        return
    head = source.head(64).lstrip()
    name = source.name.lower()
    if name.endswith((".jinja", ".jinja2", ".j2")):
        analyze_template(source.head(source.size), ctx, name=source.name or "template")
    elif head.startswith(b"{"):
        _json_templates(source, ctx)


def _json_templates(source: Source, ctx: ScanContext) -> None:
    ctx.check_time()
    try:
        config: Any = json.loads(source.head(source.size))
    except (ValueError, RecursionError):
        return  # not JSON after all: plain text
    if not isinstance(config, dict):
        return
    templates = config.get("chat_template")
    if isinstance(templates, str):
        analyze_template(templates, ctx, name="chat_template")
    elif isinstance(templates, list):
        for i, entry in enumerate(templates[:64]):
            if isinstance(entry, dict) and isinstance(entry.get("template"), str):
                label = entry.get("name") if isinstance(entry.get("name"), str) else str(i)
                analyze_template(entry["template"], ctx, name=f"chat_template.{label}"[:200])
