"""Checks for the file paths a model names relative to its own folder.

ONNX ``external_data`` locations, TensorFlow asset file names and CoreML linked models
are joined to the model's folder by their loaders, which then read the file. A path
that leaves the folder (``..``, an absolute path, a drive or UNC prefix, a symlink that
points elsewhere) makes the loader read any file the user can read into a tensor.
Windows separators and drive letters are checked on every platform: the same model is
loaded on Windows too.
"""

from __future__ import annotations

import enum
import os
import re
import stat
from dataclasses import dataclass

_WINDOWS_DEVICES = re.compile(
    r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)"
    r"(\..*)?$",
    re.IGNORECASE,
)
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PathProblem(enum.Enum):
    NONE = "none"
    ESCAPES = "escapes"  # reads outside the model's folder: absolute, drive, `..`, symlink
    UNUSUAL = "unusual"  # stays inside but no exporter writes it (`..`, control bytes, device)


@dataclass(frozen=True)
class PathCheck:
    problem: PathProblem
    reason: str = ""
    target: str | None = None  # the resolved file, when the folder is known and it exists
    size: int | None = None  # its size, when it is a regular file


def check_relative_path(location: str, folder: str | None) -> PathCheck:
    """Judge ``location`` as a path relative to ``folder`` (None: only lexically)."""
    lexical = _lexical(location)
    if lexical.problem is PathProblem.ESCAPES or folder is None:
        return lexical
    # C loaders stop at a NUL (and os.path refuses one): the file they open is the prefix
    on_disk = _resolved(location.split("\0", 1)[0], folder)
    if on_disk.problem is PathProblem.NONE and lexical.problem is PathProblem.UNUSUAL:
        return PathCheck(lexical.problem, lexical.reason, on_disk.target, on_disk.size)
    return on_disk


def _lexical(location: str) -> PathCheck:
    if not location:
        return PathCheck(PathProblem.UNUSUAL, "empty path")
    if location.startswith(("/", "\\")):
        return PathCheck(PathProblem.ESCAPES, "absolute path")
    if _DRIVE.match(location):
        return PathCheck(PathProblem.ESCAPES, "path starts with a drive letter")
    depth = 0
    dotdot = False
    for part in re.split(r"[\\/]", location):
        if part == "..":
            dotdot = True
            depth -= 1
            if depth < 0:
                return PathCheck(PathProblem.ESCAPES, "`..` leads out of the model's folder")
        elif part not in ("", "."):
            depth += 1
    if _CONTROL.search(location):
        return PathCheck(
            PathProblem.UNUSUAL,
            "control character or NUL in the path (C and "
            "Python loaders cut it at different places)",
        )
    if any(_WINDOWS_DEVICES.match(p.strip()) for p in re.split(r"[\\/]", location)):
        return PathCheck(PathProblem.UNUSUAL, "names a Windows device (CON, NUL, COM1, ...)")
    if dotdot:
        return PathCheck(
            PathProblem.UNUSUAL, "`..` in the path (stays inside the folder; no exporter writes it)"
        )
    return PathCheck(PathProblem.NONE)


def _resolved(location: str, folder: str) -> PathCheck:
    root = os.path.realpath(folder)
    target = os.path.realpath(os.path.join(root, location))
    if os.path.commonpath([root, target]) != root:
        return PathCheck(PathProblem.ESCAPES, "a symlink leads out of the model's folder", target)
    try:
        st = os.stat(target)
    except OSError:
        return PathCheck(PathProblem.NONE, "not found next to the model")
    if not stat.S_ISREG(st.st_mode):
        return PathCheck(PathProblem.UNUSUAL, "not a regular file (device, pipe or folder)", target)
    return PathCheck(PathProblem.NONE, "", target, st.st_size)
