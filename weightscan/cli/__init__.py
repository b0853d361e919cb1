"""``weightscan`` command line: one module per group of subcommands.

Each module in ``_COMMAND_MODULES`` exposes ``register(subparsers)``, adding its
subcommands with ``set_defaults(handler=...)``; a handler takes the parsed arguments and
returns the exit code. Modules are imported lazily by name so ``weightscan scan`` never
imports Flask, Celery or SQLAlchemy.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# (module, subcommands it registers) -- the names let us import only what is needed.
_COMMAND_MODULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("weightscan.cli.scan", ("scan",)),
    ("weightscan.cli.service", ("serve", "worker", "db", "token", "rescan")),
    ("weightscan.cli.client", ("submit",)),
)

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

# Top-level modules of the optional extras (pyproject.toml): a command that needs one of
# them says which extra to install instead of printing a traceback.
_EXTRA_OF_MODULE = {
    **dict.fromkeys(
        (
            "flask",
            "flask_limiter",
            "celery",
            "kombu",
            "sqlalchemy",
            "alembic",
            "prometheus_client",
            "psycopg",
            "redis",
            "requests",
            "gunicorn",
        ),
        "service",
    ),
    "boto3": "s3",
    "botocore": "s3",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="weightscan",
        description="Scan model files without loading them, or run the scanning service.",
    )
    from weightscan.scanner import ENGINE_VERSION, RULES_VERSION

    parser.add_argument(
        "--version",
        action="version",
        version=f"weightscan {ENGINE_VERSION} (rules {RULES_VERSION})",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name, commands in _COMMAND_MODULES:
        if only is not None and only not in commands:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args_list if not a.startswith("-")), None)
    known = {c for _, cs in _COMMAND_MODULES for c in cs}
    parser = build_parser(first if first in known else None)
    args = parser.parse_args(args_list)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        return 130
    except ValueError as exc:
        # Only service commands read settings; `scan` never imports weightscan.core.
        settings = sys.modules.get("weightscan.core.settings")
        if settings is None or not isinstance(exc, settings.SettingsError):
            raise
        print(f"weightscan {args.command}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except ModuleNotFoundError as exc:
        extra = _EXTRA_OF_MODULE.get((exc.name or "").split(".")[0])
        if extra is None:
            raise
        print(
            f"weightscan {args.command}: needs the '{extra}' extra "
            f"(missing module {exc.name!r}): pip install 'weightscan[{extra}]'",
            file=sys.stderr,
        )
        return EXIT_ERROR


def write_stdout(text: str) -> None:
    """Write a report to stdout; a reader that went away (``| head``) ends it quietly."""
    stream = sys.stdout
    if hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="backslashreplace")
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        # Point stdout at /dev/null so the interpreter's final flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
