"""Which files a directory scan analyses, and what it skips and why.

Symlinks are followed, to files and to directories: a Hugging Face cache snapshot is
nothing but links into ``../../blobs/``, and a loader opening ``snapshot/model.bin``
reads the blob. Each directory is entered once (by device and inode), so a link back to
an ancestor ends the walk there instead of looping; each file is analysed once, however
many names lead to it, except that a name a loader treats by its suffix (``*.py`` is
imported, ``*.jinja`` rendered, ``*.yaml`` constructed) or its exact name
(``modules.json``) is analysed under that name even when the file was already
read under a neutral one (``README.txt`` and a ``modeling_x.py`` linking to it). Everything
not analysed is reported with its reason:
``covered`` says whether its content was analysed under another name anyway.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from weightscan.scanner.model import SkippedPath

MAX_DEPTH = 64  # deeper trees are real but rare; past this the rest is reported as skipped
# Suffixes whose files loaders use by their name, not their content (see sniff, templates,
# yamlconfig, pycode.loader_configs). 1: code an import runs, 2: a template a renderer
# runs, 3: a YAML config whose tags and targets a loader imports, 4: a config read by its
# exact name (sentence-transformers' modules.json).
_NAME_ROLES = {".py": 1, ".pyw": 1, ".jinja": 2, ".jinja2": 2, ".j2": 2, ".yaml": 3, ".yml": 3}
_EXACT_NAME_ROLES = {"modules.json": 4}
Seen = dict[tuple[int, ...], str]


@dataclass(frozen=True)
class WalkedFile:
    path: Path
    size: int


def walk(root: Path, seen_files: Seen | None = None) -> Iterator[WalkedFile | SkippedPath]:
    """Every regular file at or under ``root`` (sorted, links followed), and every skip.

    ``seen_files`` (device, inode) -> first path, shared across several roots so a file
    named twice is analysed once.
    """
    seen = {} if seen_files is None else seen_files
    st = _stat(root)
    if isinstance(st, SkippedPath):
        yield st
    elif stat.S_ISDIR(st.st_mode):
        yield from _walk_dir(root, st, seen)
    else:
        yield _file_or_skip(root, st, seen)


def _walk_dir(
    root: Path, root_st: os.stat_result, seen_files: Seen
) -> Iterator[WalkedFile | SkippedPath]:
    entered: dict[tuple[int, int], str] = {}
    stack: list[tuple[Path, os.stat_result, int]] = [(root, root_st, 0)]
    while stack:
        directory, dst, depth = stack.pop()
        key = (dst.st_dev, dst.st_ino)
        if key in entered:
            yield SkippedPath(
                str(directory),
                f"directory already walked as {entered[key]} "
                "(a symlink loop or a second link to it)",
                covered=True,
            )
            continue
        entered[key] = str(directory)
        if depth > MAX_DEPTH:
            yield SkippedPath(str(directory), f"nested deeper than {MAX_DEPTH} directories")
            continue
        try:
            names = sorted(os.listdir(directory))
        except OSError as exc:
            yield SkippedPath(str(directory), _reason(exc))
            continue
        subdirs = []
        for name in names:
            path = directory / name
            st = _stat(path)
            if isinstance(st, SkippedPath):
                yield st
            elif stat.S_ISDIR(st.st_mode):
                subdirs.append((path, st, depth + 1))
            else:
                yield _file_or_skip(path, st, seen_files)
        if {"blobs", "snapshots"} <= set(names):
            # A Hugging Face cache repository: loaders open the snapshot names (a *.py is
            # code only under its name), so the blobs they link to come last and are
            # listed as second names; blobs no snapshot links to are still scanned.
            subdirs.sort(key=lambda entry: entry[0].name == "blobs")
        stack.extend(reversed(subdirs))  # depth first, in sorted order


def _file_or_skip(path: Path, st: os.stat_result, seen_files: Seen) -> WalkedFile | SkippedPath:
    if not stat.S_ISREG(st.st_mode):
        return SkippedPath(str(path), "not a regular file (device, pipe or socket)")
    key: tuple[int, ...] = (st.st_dev, st.st_ino)
    role = _EXACT_NAME_ROLES.get(path.name.lower(), _NAME_ROLES.get(path.suffix.lower()))
    if role is not None:
        key = (*key, role)  # a name with a role is analysed once per role
    if key in seen_files:
        return SkippedPath(str(path), f"same file as {seen_files[key]}", covered=True)
    seen_files[key] = str(path)
    seen_files.setdefault((st.st_dev, st.st_ino), str(path))  # later neutral names: covered
    return WalkedFile(path, st.st_size)


def _stat(path: Path) -> os.stat_result | SkippedPath:
    """The status of what ``path`` leads to (links followed), or why there is none."""
    try:
        return os.stat(path)
    except OSError as exc:
        if os.path.islink(path):
            return SkippedPath(str(path), f"broken symlink ({_reason(exc)})")
        return SkippedPath(str(path), _reason(exc))


def _reason(exc: OSError) -> str:
    """ "permission denied", "no such file or directory": the OS reason, without the path."""
    return exc.strerror.lower() if exc.strerror else str(exc)
