"""Chat-template analysis: Jinja2 parsed, never rendered.

``analyze_template(text, ctx, name=..., offset=...)`` is the entry point for any format
that carries chat templates (GGUF metadata, tokenizer_config.json).
"""

from weightscan.scanner.templates.analyzer import analyze_template

__all__ = ["analyze_template"]
