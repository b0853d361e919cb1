"""The request-scoped database session: one per request, on ``g``, closed at teardown."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from weightscan.core.db import make_engine, make_sessionmaker
from weightscan.core.settings import Settings


def init_db(app: Flask, settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url)
    app.extensions["weightscan.engine"] = engine
    app.extensions["weightscan.sessionmaker"] = make_sessionmaker(engine)
    # Its own small pool in autocommit mode (set once per connection, not per checkout).
    app.extensions["weightscan.read_engine"] = make_engine(
        settings.resolved_database_url, isolation_level="AUTOCOMMIT", pool_size=4
    )
    app.teardown_appcontext(_close_session)


def read_engine() -> Engine:
    """The engine in autocommit mode: a hot read path (hash lookups) skips the BEGIN and
    ROLLBACK round trips a session transaction costs."""
    engine: Engine = current_app.extensions["weightscan.read_engine"]
    return engine


def session_factory() -> sessionmaker[Session]:
    factory: sessionmaker[Session] = current_app.extensions["weightscan.sessionmaker"]
    return factory


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = session_factory()()
    session: Session = g.db_session
    return session


def dispose_engines(app: Flask) -> None:
    for key in ("weightscan.engine", "weightscan.read_engine"):
        app.extensions[key].dispose()


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
