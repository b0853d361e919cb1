"""Run the Alembic migrations from code (works from an installed package: no alembic.ini
needed, the script location is the ``migrations`` package directory)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from weightscan.core.db import Base, make_engine


def alembic_config(database_url: str) -> Config:
    import weightscan.migrations as migrations

    cfg = Config()
    # __path__ works for a regular package and for a namespace one (an editable install
    # made before the package had an __init__.py); __file__ does not.
    location = Path(next(iter(migrations.__path__))).resolve()
    cfg.set_main_option("script_location", str(location))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """``alembic upgrade head`` against ``database_url``."""
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(database_url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@functools.cache
def _scripts() -> ScriptDirectory:
    """This code's migrations (fixed for the life of a process; no database involved)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str | None:
    return _scripts().get_current_head()


@functools.cache
def known_revisions() -> frozenset[str]:
    """Every revision this code's migrations define."""
    return frozenset(rev.revision for rev in _scripts().walk_revisions())


def migration_state(engine: Engine) -> tuple[str, str]:
    """("current" | "behind" | "unknown", message): the database against this code's head.

    "behind" covers a database never migrated; "unknown" is a revision this code does not
    define, usually a newer release's migration already applied.
    """
    current, head = current_revision(engine), head_revision()
    if current == head:
        return "current", f"at {head}"
    if current is None or current in known_revisions():
        return "behind", (
            f"database at {current or 'no revision'}, this code needs {head}: "
            "run 'weightscan db upgrade'"
        )
    return "unknown", f"database at {current}, which this code ({head}) does not define"


def schema_drift(engine: Engine) -> list[Any]:
    """Differences between the models and the migrated database (empty: no drift)."""
    from alembic.autogenerate import compare_metadata

    import weightscan.core.models as models  # noqa: F401

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))
