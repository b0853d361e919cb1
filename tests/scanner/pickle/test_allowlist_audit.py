"""The allowlist generator follows what unpickling a class reaches, not only its own methods.

scikit-learn's ``ScoringMonitor.__setstate__`` looked harmless on its own; the network
work sat in ``can_reuse_listener``/``open_listener``, helpers it calls. ``RichProgressMonitor``
has no suspicious line at all: it is a ``threading.Thread``. The generator now follows
same-library helpers a few calls deep and refuses stdlib I/O and thread bases, so a
regeneration can no longer put such classes back on the list.
"""

from __future__ import annotations

import socket
import threading

import pytest

from bench import allowlist_reach, gen_allowlist
from weightscan.scanner.pickle import policy


def _connect(address: tuple[str, int]) -> None:
    socket.create_connection(address).close()


def _check(handle: tuple[str, int]) -> None:
    _connect(handle)


class _Monitor:
    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._reuse()

    def _reuse(self) -> None:
        _check(self.__dict__["handle"])


class _Ticker(threading.Thread):
    pass


def test_helpers_are_followed_three_calls_deep() -> None:
    entry = [("_Monitor.__setstate__", _Monitor.__setstate__)]
    reached = {func.__qualname__: path for path, func in allowlist_reach.reached(_Monitor, entry)}
    assert reached["_connect"] == "_Monitor.__setstate__ -> _Monitor._reuse -> _check -> _connect"


def test_a_thread_subclass_is_a_risky_base() -> None:
    assert allowlist_reach.risky_base(_Ticker) == "threading.Thread"
    assert allowlist_reach.risky_base(_Monitor) is None


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("sklearn.callback._scoring_monitor", "ScoringMonitor"),
        ("sklearn.callback._progressbar", "RichProgressMonitor"),
    ],
)
def test_generator_refuses_red_team_classes_without_the_hand_exclusion(
    module: str, name: str
) -> None:
    cls = getattr(pytest.importorskip(module), name)
    assert gen_allowlist._has_side_effects(cls)


@pytest.mark.parametrize("path", sorted(gen_allowlist.EXCLUDE))
def test_every_excluded_class_is_not_allowed(path: str) -> None:
    module, name = path.rsplit(".", 1)
    assert policy.classify(module, name).decision is not policy.Decision.ALLOWED
