"""The allowlist generator follows what unpickling a class reaches, not only its own methods.

scikit-learn's ``ScoringMonitor.__setstate__`` looked harmless on its own; the network
work sat in ``can_reuse_listener``/``open_listener``, helpers it calls. ``RichProgressMonitor``
has no suspicious line at all: it is a ``threading.Thread``. The generator now follows
library helpers (of any package) to the end of each chain and refuses stdlib I/O and
thread bases, so a regeneration can no longer put such classes back on the list.
"""

from __future__ import annotations

import dataclasses
import enum
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


class _Checkpoint:
    def __init__(self, dirpath: str) -> None:
        self.__init_dir(dirpath)  # a private name: Python calls _Checkpoint__init_dir

    def __init_dir(self, dirpath: str) -> None:
        _make(dirpath)


def _make(path: str) -> None:
    open(path, "w").close()


def test_private_helpers_are_followed_under_their_mangled_names() -> None:
    entry = [("_Checkpoint.__init__", _Checkpoint.__init__)]
    reached = {func.__qualname__ for _, func in allowlist_reach.reached(_Checkpoint, entry)}
    assert {"_Checkpoint.__init_dir", "_make"} <= reached


def _cwd_listing() -> list[str]:
    import os

    return os.listdir(".")


@dataclasses.dataclass
class _Config:
    names: list[str] = dataclasses.field(default_factory=_cwd_listing)
    tags: list[str] = dataclasses.field(default_factory=list)


def test_dataclass_default_factories_are_read_as_init_code() -> None:
    # the generated __init__ has no source; what it runs of the library is its factories
    assert gen_allowlist._dataclass_factories(_Config) is None
    plain = dataclasses.make_dataclass(
        "Plain", [("tags", list, dataclasses.field(default_factory=list))]
    )
    assert gen_allowlist._dataclass_factories(plain) == []


class _Shown:
    """A harmless constructor, but repr() (what builtins.str(instance) runs) writes."""

    def __repr__(self) -> str:
        _make("/tmp/weightscan-test")
        return "shown"


class _Restored(_Monitor):
    """Its __setstate__ comes from a base outside the vetted packages (this test module)."""


def test_what_builtins_run_on_an_instance_is_vetted() -> None:
    # builtins.str(NEWOBJ(AcceleratorState, ()) + BUILD) ran __repr__, which constructs
    # PartialState(): protocol methods are entry points, also for state-only classes
    assert gen_allowlist._has_side_effects(_Shown)
    assert gen_allowlist._has_side_effects(_Shown, gen_allowlist.STATE_METHODS)
    assert "__repr__" in gen_allowlist.STATE_METHODS


def test_methods_of_bases_from_other_packages_are_vetted() -> None:
    # LayerWiseDummyOptimizer's __setstate__ is torch.optim.Optimizer's: it was never read
    assert gen_allowlist._has_side_effects(_Restored)


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("sklearn.utils._test_common.instance_generator", "Pipeline"),  # imports pytest
        ("sklearn.utils._mocking", "CheckingClassifier"),
        ("sklearn.utils._mocking", "MockDataFrame"),
    ],
)
def test_test_helper_modules_are_not_allowed(module: str, name: str) -> None:
    assert policy.classify(module, name).decision is not policy.Decision.ALLOWED


class _Lenient(enum.Enum):
    ON = "on"

    @classmethod
    def _missing_(cls, value: object) -> _Lenient:
        _make(str(value))  # Enum(value) of a value it does not hold (a REDUCE) runs this
        return cls.ON


class _Versioned:
    def __ne__(self, other: object) -> bool:  # sklearn's version check compares state values
        _make("/tmp/weightscan-test")
        return True


def test_enum_missing_hooks_and_comparisons_are_vetted() -> None:
    assert gen_allowlist._has_side_effects(_Lenient)
    assert gen_allowlist._has_side_effects(_Versioned)


def _dial_elsewhere(address: tuple[str, int]) -> None:
    socket.create_connection(address).close()


_dial_elsewhere.__module__ = "otherlib.net"  # a helper of another installed package


class _Sampler:
    def __init__(self) -> None:
        _dial_elsewhere(("127.0.0.1", 1))


def test_helpers_of_other_packages_are_followed() -> None:
    # transformers' DistributedSamplerWithLoop -> torch.utils.data's DistributedSampler ->
    # torch.distributed: the walk stopped at the first package boundary
    assert gen_allowlist._has_side_effects(_Sampler)


class _Configured:
    """BUILD with a slot state ``(None, {"path": ...})`` runs ``setattr``: the setter."""

    @property
    def path(self) -> str:
        return ""

    @path.setter
    def path(self, value: str) -> None:
        _make(value)


def test_property_setters_are_vetted() -> None:
    assert gen_allowlist._has_side_effects(_Configured)
    assert gen_allowlist._has_side_effects(_Configured, gen_allowlist.STATE_METHODS)
