"""kombu's SQLAlchemy transport, with a configurable polling interval.

The stock transport hands *every* transport option to ``create_engine``, so
``polling_interval`` cannot be set and the embedded worker would poll once a second.
This subclass takes it out first. Registered as the ``sqla`` transport alias by
``weightscan.worker.celery_app`` (so ``sqla+sqlite:///…`` URLs use it in every process).
"""

from __future__ import annotations

from typing import Any

from kombu.transport import sqlalchemy as _sqla

_NOT_ENGINE_OPTIONS = ("polling_interval",)


class Channel(_sqla.Channel):
    def _engine_from_config(self) -> Any:
        client = self.connection.client
        saved = client.transport_options
        client.transport_options = {k: v for k, v in saved.items() if k not in _NOT_ENGINE_OPTIONS}
        try:
            return super()._engine_from_config()
        finally:
            client.transport_options = saved


class Transport(_sqla.Transport):
    Channel = Channel
