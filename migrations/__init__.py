"""Alembic migrations for ``core.db.Base.metadata`` (run with ``weightscan db upgrade``)."""
