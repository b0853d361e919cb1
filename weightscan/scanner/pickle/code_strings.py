"""Strings that hold Python or shell code, found among the arguments of a call.

A published gadget need not be on any denylist to run code: any callable that evaluates,
compiles or shells out its string argument will do (e.g. ``GuardBuilder.get({}, "...")``).
When a callable nobody vetted is called with code, the code is the evidence of intent.
The patterns are specific to code (a call syntax, a shell flag, a pipe into a shell), so
plain text, paths and names in benign pickles do not match.
"""

from __future__ import annotations

import re
from typing import Any

from weightscan.scanner.pickle.values import Call, Container

_SHELLS = r"(?:ba|z|da|k|c|tc|fi)?sh"
_CODE = re.compile(
    "|".join(
        (
            r"__import__\s*\(",
            r"\b(?:os|posix|nt)\s*\.\s*(?:system|popen|exec\w*|spawn\w*|fork\w*|kill)\b",
            r"\bsubprocess\s*\.\s*\w+",
            r"(?<![\w.])(?:eval|exec|compile|execfile)\s*\(",
            r"\b(?:import|from)\s+(?:os|subprocess|sys|socket|pty|ctypes|builtins|importlib|shutil"
            r"|base64|marshal|pickle|urllib|requests)\b",
            rf"\b{_SHELLS}\s+-\w*c\b",
            rf"\b(?:curl|wget|fetch)\b[^\n]*\|\s*(?:sudo\s+)?(?:{_SHELLS}|python[23]?|perl)\b",
            rf"/bin/{_SHELLS}\b",
            r"\b(?:powershell|pwsh)(?:\.exe)?\b",
            r"\bcmd(?:\.exe)?\s+/[ck]\b",
            r"\bbase64\s+(?:-d|--decode|-D)\b",
            r"\bb64decode\s*\(",
            r"\b(?:python[23]?|perl|ruby|php|node)\s+-[ce]\b",
            r"\b(?:nc|ncat|netcat)\s+(?:-\w+\s+)*-[ec]\b",
            r"(?:;|&&|\|\|)\s*(?:curl|wget|nc|bash|sh|python[23]?|rm|chmod|touch|whoami|id|uname"
            r"|cat)\b",
            r"\$\([^)]*\)",
            r"__(?:subclasses|globals|builtins|code)__",
        )
    )
)
_MAX_TEXT = 4096  # characters of one string looked at
_MAX_ITEMS = 64  # values looked at per call


def code_in_text(text: str, limit: int = 64 * 1024) -> str | None:
    """An excerpt of ``text`` around the first sign of code in its first ``limit``
    characters, or None."""
    found = _CODE.search(text, 0, limit)
    if found is None:
        return None
    return text[max(0, found.start() - 60) : found.end() + 60]


def code_in_arguments(args: Any, kwargs: Any = None) -> str | None:
    """The first string among a call's arguments that holds code, or None."""
    budget = [_MAX_ITEMS]
    for value in (args, kwargs):
        found = _search(value, budget, depth=0)
        if found is not None:
            return found
    return None


def _search(value: Any, budget: list[int], depth: int) -> str | None:
    if budget[0] <= 0 or depth > 3:
        return None
    budget[0] -= 1
    if isinstance(value, bytes):
        value = value[:_MAX_TEXT].decode("latin-1")
    if isinstance(value, str):
        return value if _CODE.search(value, 0, _MAX_TEXT) else None
    if isinstance(value, tuple):
        items: Any = value
    elif isinstance(value, Container):
        items = value.items
    elif isinstance(value, Call) and isinstance(value.args, tuple):
        items = value.args  # e.g. _codecs.encode("...", "latin1") of protocol 2 bytes
    else:
        return None
    for item in items:
        found = _search(item, budget, depth + 1)
        if found is not None:
            return found
    return None
