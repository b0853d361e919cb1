"""Alembic environment: the URL comes from Settings (or the config), metadata from core.

No Flask import: the one-shot ``migrate`` service runs ``weightscan db upgrade`` alone.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import weightscan.core.models as models  # noqa: F401  (registers every table on Base.metadata)
from weightscan.core.db import Base, make_engine
from weightscan.core.settings import Settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return url or Settings.from_env().resolved_database_url


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
        literal_binds=connection is None,
    )


def run_migrations_offline() -> None:
    _configure(url=_url())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # handed in by core.migrate (tests, an open engine)
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
