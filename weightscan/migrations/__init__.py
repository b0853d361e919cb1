"""Alembic migrations for ``weightscan.core.db.Base.metadata``
(run with ``weightscan db upgrade``)."""
