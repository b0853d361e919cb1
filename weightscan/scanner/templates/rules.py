"""Rules for chat templates (Jinja2), found in GGUF metadata and tokenizer configs."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_SSTI = "CVE-2024-34359"  # llama-cpp-python rendered GGUF chat templates unsandboxed
_GHSA = "https://github.com/abetlen/llama-cpp-python/security/advisories/GHSA-56xg-wfcc-g829"
_SANDBOX = "https://jinja.palletsprojects.com/en/stable/sandbox/"

RULES: tuple[Rule, ...] = (
    Rule(
        "templates.dunder-access",
        Severity.CRITICAL,
        "A template reaches a dunder attribute (`__class__`, `__globals__`...)",
        "Dunder attributes are the road from a template value to Python's object graph: "
        "`__init__.__globals__` leads to `os`. Rendering it outside a sandbox runs code.",
        (_SSTI, _GHSA, _SANDBOX),
    ),
    Rule(
        "templates.private-access",
        Severity.HIGH,
        "A template reaches an attribute starting with `_` or an interpreter internal",
        "Private attributes and frame/code internals (`_TemplateReference__context`, "
        "`gi_frame`, `f_globals`) expose the rendering machinery; no chat template needs them.",
        (_SSTI, _SANDBOX),
    ),
    Rule(
        "templates.dunder-string",
        Severity.HIGH,
        "A string in the template names or builds a dunder (`'__cla' ~ 'ss__'`, `\\x5f`)",
        "Spelling a dunder in a string, by concatenation, format, join or escapes, is how "
        "payloads slip past filters that look only at attribute syntax.",
        (_SSTI, _GHSA),
    ),
    Rule(
        "templates.global-object",
        Severity.HIGH,
        "A template reaches into a template global (`cycler`, `joiner`, `lipsum`, `self`...)",
        "Template globals are Python objects; attributes of them (rather than calls) lead "
        "to their functions' globals and from there to `os`.",
        (_SSTI, _GHSA),
    ),
    Rule(
        "templates.dynamic-attribute",
        Severity.MEDIUM,
        "An attribute or key name is computed at render time",
        "Chat templates index messages with constant keys; a computed name cannot be "
        "checked statically and is how filters on attribute names are evaded.",
        (_SSTI,),
    ),
    Rule(
        "templates.unexpected-call",
        Severity.MEDIUM,
        "A template calls a function, method, filter or test chat templates do not use",
        "Real chat templates use a small vocabulary (string methods, `namespace`, "
        "`raise_exception`, `tojson`...); anything else cannot be shown harmless.",
        (_SSTI,),
    ),
    Rule(
        "templates.unexpected-construct",
        Severity.MEDIUM,
        "A template uses include/import/extends/block",
        "Chat templates are self-contained; loading other templates reaches the loader "
        "and `self`, which no chat template needs.",
        (_SSTI,),
    ),
    Rule(
        "templates.unrendered-payload",
        Severity.MEDIUM,
        "A template that no known loader renders holds an injection",
        "A `.template` file, or a YAML value other than a chat template, is rendered by no "
        "model loader we know; a payload there waits for a tool that renders it, so it is "
        "suspicious rather than malicious.",
    ),
    Rule(
        "templates.unparseable",
        Severity.MEDIUM,
        "A chat template does not parse (or is not UTF-8 text)",
        "A template Jinja2 cannot parse cannot be checked; a different engine may still render it.",
        (_SSTI,),
    ),
    Rule(
        "templates.render-dos",
        Severity.MEDIUM,
        "A template makes the renderer spend unbounded time or memory",
        "Sandboxed renderers limit attribute access, not work: `'A' * 10**9`, "
        "`range(10**9)`, loops nested over large ranges, huge powers or padding widths and "
        "macros that recurse without walking data hang or exhaust the rendering server.",
        (_SANDBOX,),
    ),
    Rule(
        "templates.oversized",
        Severity.MEDIUM,
        "A chat template is larger or more complex than the configured limits",
        "Real chat templates are a few kilobytes; an oversized one is not analysed and "
        "cannot be shown harmless.",
        (_SSTI,),
    ),
)
