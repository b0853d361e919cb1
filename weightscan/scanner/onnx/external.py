"""ONNX external data: where a tensor's bytes live outside the model file, and whether
the loaders would read something other than a file next to the model."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from weightscan.scanner.protobuf.paths import PathCheck, PathProblem, check_relative_path

# onnxruntime's marker for tensors whose "offset" is an address in its own memory.
ORT_MEMORY_MARKER = "*/_ORT_MEM_ADDR_/*"
_DECIMAL = re.compile(r"^[0-9]{1,19}$")


@dataclass
class ExternalRef:
    """The ``external_data`` entries of one tensor (the last value of a key wins, as in
    the loaders; every location seen is kept, so an earlier one is checked too)."""

    locations: list[str] = field(default_factory=list)
    offset: str | None = None
    length: str | None = None

    @property
    def location(self) -> str | None:
        return self.locations[-1] if self.locations else None


@dataclass(frozen=True)
class Problem:
    rule_id: str
    reason: str


def number(text: str | None) -> int | None:
    """A decimal offset or length (None when absent); -1 when it is not a plain number."""
    if text is None:
        return None
    return int(text) if _DECIMAL.match(text) else -1


class ExternalFiles:
    """Path checks of the locations one model names, each location checked once."""

    def __init__(self, folder: str | None) -> None:
        self.folder = folder
        self._checks: dict[str, PathCheck] = {}

    def check(self, location: str) -> PathCheck:
        found = self._checks.get(location)
        if found is None:
            found = check_relative_path(location, self.folder)
            if len(self._checks) < 10_000:
                self._checks[location] = found
        return found

    @property
    def checks(self) -> list[PathCheck]:
        return list(self._checks.values())

    @property
    def locations(self) -> list[str]:
        return sorted(self._checks)


def location_problem(location: str, check: PathCheck) -> Problem | None:
    if location == ORT_MEMORY_MARKER:
        return Problem(
            "onnx.external-data.memory", "external data at an address in onnxruntime's own memory"
        )
    if check.problem is PathProblem.ESCAPES:
        return Problem(
            "onnx.external-data.traversal",
            f"external data outside the model's folder: {check.reason}",
        )
    if check.problem is PathProblem.UNUSUAL:
        return Problem("onnx.external-data.unusual", f"odd external-data location: {check.reason}")
    return None


def range_problem(ref: ExternalRef, expected: int | None, file_size: int | None) -> str | None:
    """Why the declared byte range cannot hold the tensor, if it cannot."""
    offset, length = number(ref.offset), number(ref.length)
    if offset == -1 or length == -1:
        return "offset or length is not a plain decimal number"
    if length is not None and expected is not None and length != expected:
        return f"length {length} but the shape and type need {expected} bytes"
    need = length if length is not None else expected
    if file_size is not None and need is not None and (offset or 0) + need > file_size:
        return (
            f"bytes {offset or 0}..{(offset or 0) + need} declared, the data file has {file_size}"
        )
    return None
