"""What happens after a commit: the work core hands to the workers, and who sends it.

Core functions flush and return ``Work``; the edge (a request handler, a task, the CLI)
commits, then calls ``Work.send(dispatcher)``. Sending before the commit would let a
worker look for a row that is not there yet; a message that is never sent is recovered
by the sweeper, because every row is committed as ``queued`` first.

``Dispatcher`` is the seam: core never imports Celery; the Celery implementation lives
in ``weightscan.worker.dispatch``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Expansion:
    """A group whose source (URLs, a registry repository) a worker lists and fetches.
    ``token`` is a per-request registry token: it travels with the message only."""

    group_id: str
    token: str | None = None
    force: bool = False


class Dispatcher(Protocol):
    """Sends committed work to the workers."""

    def scans(self, scan_ids: Iterable[str]) -> list[str]:
        """Send each scan id; returns the ids that could not be sent (they stay
        ``queued`` and the sweeper sends them later)."""
        ...

    def expand(self, expansion: Expansion) -> None:
        """Send a group's expansion; raises if the broker is unreachable."""
        ...

    def completed(self, scan_ids: Iterable[str]) -> None:
        """Top-level scans that finished: send their notifications (never raises: a lost
        notification is re-sent by the delivery sweeper)."""
        ...


@dataclass
class Work:
    """What one transaction leaves for the workers once it is committed."""

    scans: list[str] = field(default_factory=list)
    expansions: list[Expansion] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)  # finished top-level scans

    def send(self, dispatcher: Dispatcher) -> list[str]:
        """Call only after the commit. Returns the scan ids and group ids not sent."""
        failed = dispatcher.scans(self.scans)
        for expansion in self.expansions:
            try:
                dispatcher.expand(expansion)
            except Exception as exc:  # committed: the group stays queued for the sweeper
                log.warning("could not enqueue expansion of %s: %s", expansion.group_id, exc)
                failed.append(expansion.group_id)
        dispatcher.completed(self.completed)
        return failed
