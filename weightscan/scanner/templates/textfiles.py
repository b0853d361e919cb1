"""Chat templates outside GGUF: ``tokenizer_config.json``, ``*.jinja`` files (transformers
renders ``chat_template.jinja``), ``.template`` files and YAML configs.

Hugging Face repositories carry the template that runtimes render in
``tokenizer_config.json`` (``chat_template``: a string, or a list of ``{name, template}``)
or, in newer ones, in a ``chat_template.jinja`` file. Both are the same attack surface as
GGUF's ``tokenizer.chat_template`` (CVE-2024-34359).
"""

from __future__ import annotations

import json

from weightscan.scanner import jsontext
from weightscan.scanner.context import ScanContext
from weightscan.scanner.source import Source
from weightscan.scanner.templates.analyzer import analyze_template
from weightscan.scanner.templates.unrendered import analyze_unrendered_template
from weightscan.scanner.templates.yamlfiles import analyze_yaml_templates

# tokenizer_config.json files are a few KB to a few MB; a larger JSON file is read as a
# stream for its chat templates (see ``_stream_templates``) instead of being decoded.
MAX_CONFIG_BYTES = 16 * 1024 * 1024
# keys as json.loads decodes them: "chat_\u0074emplate" is chat_template
_TEMPLATE_KEY = jsontext.key_pattern("chat_template", "template", suffix=rb'\s*:\s*"')
_CHAT_TEMPLATE_KEY = jsontext.key_pattern("chat_template", suffix=rb"\s*:")
_MAX_STREAMED_TEMPLATES = 64  # templates analysed per file


def analyze_text_templates(source: Source, ctx: ScanContext) -> None:
    """Analyse the chat templates a text file carries, if it carries any."""
    name = source.name.lower()
    if name.endswith((".jinja", ".jinja2", ".j2")):
        cap = ctx.limits.max_template_bytes
        analyze_template(
            source.head(min(source.size, cap + 1)),
            ctx,
            name=source.name or "template",
            size=source.size,
        )
    elif name.endswith((".template", ".tmpl", ".tpl")):
        cap = ctx.limits.max_template_bytes
        analyze_unrendered_template(
            source.head(min(source.size, cap + 1)), ctx, name=source.name or "template"
        )
    elif name.endswith((".yaml", ".yml")):
        analyze_yaml_templates(source, ctx)
    elif jsontext.starts_object(source, ctx):
        if source.size > MAX_CONFIG_BYTES:
            _stream_templates(source, ctx)
        else:
            _json_templates(source, ctx)


def _stream_templates(source: Source, ctx: ScanContext) -> None:
    """A JSON file too large to decode: find its chat templates by scanning the bytes.

    Every ``"chat_template": "..."`` (or ``"template": "..."`` inside a template list) is
    cut out and analysed; the file is reported as not fully analysed when it holds one.
    """
    if not _has_chat_template(source, ctx):
        return
    ctx.report(
        "templates.oversized",
        f"JSON file of {source.size} bytes is above the "
        f"{MAX_CONFIG_BYTES}-byte limit for decoding; its chat templates were cut out "
        "of the raw bytes, the rest of the file was not analysed",
        offset=0,
        evidence={"bytes": source.size, "limit": MAX_CONFIG_BYTES},
    )
    _cut_out_templates(source, ctx)


def _cut_out_templates(source: Source, ctx: ScanContext) -> None:
    """Analyse every chat template found in the raw bytes of an undecoded JSON file."""
    cap = ctx.limits.max_template_bytes
    for found, match_end in enumerate(jsontext.positions(source, ctx, _TEMPLATE_KEY)):
        if found >= _MAX_STREAMED_TEMPLATES:
            ctx.report(
                "templates.oversized",
                f"more than {_MAX_STREAMED_TEMPLATES} templates; the rest were not analysed",
                offset=match_end,
            )
            return
        raw = source.read_at(match_end, 2 * cap + 2)  # escapes at most double the length
        text, complete = _json_string_prefix(raw)
        analyze_template(
            text, ctx, name="chat_template", offset=match_end, size=None if complete else cap + 1
        )


def _has_chat_template(source: Source, ctx: ScanContext) -> bool:
    return jsontext.contains(source, ctx, _CHAT_TEMPLATE_KEY)


def _json_string_prefix(raw: bytes) -> tuple[str, bool]:
    """Decode the JSON string body at the start of ``raw``: (text, whether it ended)."""
    end = 0
    while True:
        end = raw.find(b'"', end)
        if end < 0:
            break
        backslashes = len(raw[:end]) - len(raw[:end].rstrip(b"\\"))
        if backslashes % 2 == 0:
            break
        end += 1
    complete = end >= 0
    body = raw[:end] if complete else raw
    if not complete:  # cut inside the string: drop a dangling escape
        cut = body.rfind(b"\\", max(0, len(body) - 6))
        body = body[:cut] if cut >= 0 else body
    try:
        return json.loads(b'"' + body + b'"'), complete
    except ValueError:
        return body.decode("utf-8", "replace"), complete


def _json_templates(source: Source, ctx: ScanContext) -> None:
    try:
        config = jsontext.load_object(source, ctx)
    except jsontext.TooDeep:
        if _has_chat_template(source, ctx):
            jsontext.report_too_deep(ctx, "a JSON file holds a chat template")
            _cut_out_templates(source, ctx)
        return
    if config is None:
        return  # not a JSON object after all: plain text
    templates = config.get("chat_template")
    if isinstance(templates, str):
        analyze_template(templates, ctx, name="chat_template")
    elif isinstance(templates, list | dict):
        # transformers turns the list of {name, template} into a dict; a dict given
        # directly is kept as is and rendered by name ("default", "tool_use"...)
        entries = (
            [(e.get("name"), e.get("template")) for e in templates if isinstance(e, dict)]
            if isinstance(templates, list)
            else list(templates.items())
        )
        for i, (label, text) in enumerate(entries[:_MAX_STREAMED_TEMPLATES]):
            if isinstance(text, str):
                label = label if isinstance(label, str) else str(i)
                analyze_template(text, ctx, name=f"chat_template.{label}"[:200])
        if len(templates) > _MAX_STREAMED_TEMPLATES:
            ctx.report(
                "templates.oversized",
                f"{len(templates)} chat templates; those after "
                f"the first {_MAX_STREAMED_TEMPLATES} were not analysed",
                evidence={"templates": len(templates)},
            )
