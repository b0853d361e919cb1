"""gunicorn's gthread worker, with reads that time out from the request line on.

The app bounds body reads itself (``weightscan.web.slow_clients``), but it only runs once
the headers are in: a client that opens a connection, sends half a header line and
stalls holds a worker thread with no timeout at all, and twenty of them stop ``/healthz``
(slowloris). Each connection here gets the same per-read timeout as soon as a thread
takes it, so a stalled request line or header block is dropped after that many seconds.
A client that trickles a byte just under the timeout still holds a thread: production
puts a buffering proxy in front (docs/security.md), which this only backs up.
"""

from __future__ import annotations

from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker


class _TimedConn(TConn):  # type: ignore[misc]
    read_timeout: float = 30.0

    def init(self) -> None:
        super().init()  # sets the socket blocking (no timeout) on every request
        if self.read_timeout > 0:
            self.sock.settimeout(self.read_timeout)


class TimedThreadWorker(ThreadWorker):  # type: ignore[misc]
    """``worker_class`` for ``weightscan serve``; set ``read_timeout`` before forking."""

    read_timeout: float = 30.0

    def enqueue_req(self, conn: Any) -> None:
        if type(conn) is TConn:
            conn.__class__ = _TimedConn  # same state, reads that time out
            conn.read_timeout = self.read_timeout
        super().enqueue_req(conn)
