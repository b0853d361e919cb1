"""The vocabulary of real chat templates: what they may call, and what they must not touch.

Built from the templates of the major model families (Llama, Mistral, Qwen/ChatML, Gemma,
Phi, DeepSeek, Command-R, Granite...; see tests/fixtures/chat_templates/). Anything
outside it is reported as unexpected (medium), not as malicious.
"""

from __future__ import annotations

from jinja2.filters import FILTERS
from jinja2.tests import TESTS

# Jinja2's default globals plus what renderers add (transformers: raise_exception,
# strftime_now; Flask: config, request...). Attributes of these are object reach.
TEMPLATE_GLOBALS = frozenset(
    {
        "range",
        "dict",
        "lipsum",
        "cycler",
        "joiner",
        "namespace",
        "self",
        "raise_exception",
        "strftime_now",
        "config",
        "request",
        "session",
        "g",
        "url_for",
        "get_flashed_messages",
    }
)

# Functions a chat template may call by name.
CALLABLE_GLOBALS = frozenset(
    {
        "range",
        "dict",
        "namespace",
        "cycler",
        "joiner",
        "raise_exception",
        "strftime_now",
        "caller",
        "loop",
    }
)

# Methods of str, dict and list that templates use on their data.
METHODS = frozenset(
    {
        # str
        "strip",
        "lstrip",
        "rstrip",
        "split",
        "rsplit",
        "splitlines",
        "startswith",
        "endswith",
        "upper",
        "lower",
        "title",
        "capitalize",
        "casefold",
        "replace",
        "join",
        "find",
        "rfind",
        "index",
        "rindex",
        "count",
        "isdigit",
        "isalpha",
        "isalnum",
        "isspace",
        "islower",
        "isupper",
        "isnumeric",
        "format",
        "zfill",
        "center",
        "ljust",
        "rjust",
        "partition",
        "rpartition",
        "removeprefix",
        "removesuffix",
        # dict / list
        "items",
        "keys",
        "values",
        "get",
        "update",
        "append",
        "extend",
        "insert",
        "pop",
        "copy",
        "setdefault",
        # loop helpers
        "cycle",
        "changed",
    }
)

# Filters renderers add to Jinja2's, each parsing a JSON string into data: llama.cpp's
# engine has ``from_json`` (DeepSeek-V3.2 and Qwen3.5 tool-call templates decode arguments
# with it); vLLM's FunctionGemma example spells it ``fromjson``.
RENDERER_FILTERS = frozenset({"from_json", "fromjson"})
KNOWN_FILTERS = frozenset(FILTERS) | RENDERER_FILTERS
KNOWN_TESTS = frozenset(TESTS)

# Filters that resolve an attribute named by a string argument, and the position of that
# argument (all of them also take ``attribute=``; ``map('attr', name)`` is handled apart).
ATTRIBUTE_POSITIONS: dict[str, int | None] = {
    "attr": 0,
    "selectattr": 0,
    "rejectattr": 0,
    "groupby": 0,
    "sum": 0,
    "sort": 2,
    "unique": 1,
    "min": 1,
    "max": 1,
    "join": 1,
    "map": None,
}

# Names of modules and functions that run code: reached as an attribute (or a key the
# template computes, or a key of a global) they are the last steps of an exploit.
DANGEROUS_NAMES = frozenset(
    {
        "os",
        "sys",
        "system",
        "popen",
        "eval",
        "exec",
        "execv",
        "execve",
        "execl",
        "spawnv",
        "subprocess",
        "import_module",
        "importlib",
        "builtins",
        "globals",
        "getattr",
        "setattr",
        "compile",
        "modules",
        "check_output",
        "check_call",
        "Popen",
        "load_module",
        "exec_module",
        "loader",
        "pty",
        "socket",
        "posix",
    }
)

# Interpreter internals without leading underscores: frames, code and function objects.
INTERNAL_ATTRIBUTES = frozenset(
    {
        "mro",
        "func_globals",
        "func_code",
        "func_closure",
        "f_globals",
        "f_locals",
        "f_back",
        "f_builtins",
        "f_code",
        "gi_frame",
        "gi_code",
        "ag_frame",
        "ag_code",
        "cr_frame",
        "cr_code",
        "tb_frame",
        "tb_next",
        "co_code",
        "im_func",
        "im_self",
        "im_class",
        "environment",
        "globals",
        "builtins",
        "subprocess",
        "popen",
        "eval_ctx",
    }
)
