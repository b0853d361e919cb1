"""The security invariant: no service code loads, unpickles, evaluates or renders content.

A static check over the source of every shipped package. A line that needs one of these
names for another reason (a rule name in a string, say) must say so with a
``# invariant: <reason>`` comment.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("weightscan",)

FORBIDDEN = re.compile(
    r"(pickle|_pickle|cPickle|dill|cloudpickle)\.(load|loads|Unpickler)\b"
    r"|torch\.load\(|joblib\.load\(|marshal\.loads?\(|allow_pickle\s*=\s*True"
    r"|yaml\.load\(|(?<![\w.])eval\(|(?<![\w.])exec\(|__import__\("
    r"|\.render\(|\bTemplate\(|from_string\(|\.compile_expression\("
)


def _source_lines():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                yield path.relative_to(ROOT), number, line


def test_no_loading_or_evaluating_calls_in_service_code():
    offenders = [
        f"{path}:{number}: {line.strip()}"
        for path, number, line in _source_lines()
        if FORBIDDEN.search(line)
        and not line.lstrip().startswith("#")
        and "# invariant:" not in line
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "line",
    [
        "obj = pickle.loads(data)",
        "m = torch.load(path)",
        "np.load(f, allow_pickle=True)",
        "eval(text)",
        "jinja2.Template(src).render()",
    ],
)
def test_the_invariant_check_catches_loading_calls(line):
    assert FORBIDDEN.search(line)


def test_scanner_imports_no_framework():
    """scanner/ stays a pure library: importing it pulls in no web, queue or database code."""
    import subprocess
    import sys

    code = (
        "import sys, weightscan.scanner, weightscan.scanner.api\n"
        "bad = [m for m in ('flask', 'celery', 'sqlalchemy', 'requests', 'redis',"
        " 'weightscan.core', 'weightscan.web', 'weightscan.worker', 'torch', 'numpy')"
        " if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == ""
