"""Packaging and layering: one top-level package, a scanner that installs alone, and
imports that only point down the stack cli -> web -> worker -> core -> scanner."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "weightscan"
# Lower index = lower layer; a module may import its own layer and the ones below it.
LAYERS = ("scanner", "core", "worker", "web", "cli")
SERVICE_MODULES = (
    "flask",
    "flask_limiter",
    "celery",
    "kombu",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "redis",
    "requests",
    "gunicorn",
    "prometheus_client",
    "boto3",
    "cryptography",
)


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def test_imports_point_down_the_layers():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2 or parts[0] not in LAYERS:
            continue
        own = LAYERS.index(parts[0])
        for line, module in _imported_modules(path):
            target = module.split(".")
            if (
                target[0] == "weightscan"
                and len(target) > 1
                and target[1] in LAYERS
                and LAYERS.index(target[1]) > own
            ):
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert upward == []


def test_scanner_imports_no_service_dependency():
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((PACKAGE / "scanner").rglob("*.py"))
        for line, module in _imported_modules(path)
        if module.split(".")[0] in SERVICE_MODULES
    ]
    assert offenders == []


@pytest.mark.slow
def test_the_wheel_holds_only_the_weightscan_package(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("weightscan-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        tops = {name.split("/", 1)[0] for name in zf.namelist()}
        names = set(zf.namelist())
    assert {t for t in tops if not t.endswith(".dist-info")} == {"weightscan"}
    # package data the service needs at run time
    assert "weightscan/migrations/script.py.mako" in names
    assert any(n.startswith("weightscan/web/templates/") for n in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    with zipfile.ZipFile(wheel) as zf:
        requires = [
            line
            for line in zf.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist:") and "extra ==" not in line
        ]
    base = sorted(r.split()[1].split(">")[0].split("[")[0].lower() for r in requires)
    assert base == ["jinja2", "lz4", "pyyaml", "zstandard"]


# Runs the CLI in a fresh interpreter where the service dependencies cannot be imported,
# as after a plain `pip install weightscan`.
_WITHOUT_SERVICE = """
import sys
class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Missing())
from weightscan.cli import main
sys.exit(main({argv!r}))
"""


def _cli_without_service(argv: list[str]) -> subprocess.CompletedProcess[str]:
    code = _WITHOUT_SERVICE.format(blocked=set(SERVICE_MODULES), argv=argv)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_scan_works_without_the_service_extra(tmp_path):
    model = tmp_path / "weights.pkl"
    model.write_bytes(b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00]\x94K\x01a.")
    proc = _cli_without_service(["scan", str(model)])
    assert proc.returncode == 0, proc.stderr
    assert "clean" in proc.stdout


def test_service_commands_name_the_missing_extra():
    proc = _cli_without_service(["db", "upgrade"])
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "pip install 'weightscan[service]'" in proc.stderr
