"""The second files old joblib's array wrappers name, read the way ``joblib.load`` reads them.

joblib <= 0.9 wrote each array to a file next to the pickle and pickled an
``NDArrayWrapper`` (or, compressed, a ``ZNDArrayWrapper``) holding its name. Today's
``joblib.load`` still honours them (joblib/numpy_pickle_compat.py): it joins the name to
the pickle's folder and calls ``numpy.load`` with pickles allowed for an
``NDArrayWrapper`` (an object array, or a file that is no npy, runs a pickle), or reads a
zlib "ZF" file of raw array bytes for a ``ZNDArrayWrapper`` (handed to
``ndarray.__setstate__`` with the dtype the pickle gave: never unpickled).

When the scanned pickle is a file on disk (or a compressed stream of one: joblib
decompresses it itself) and the name is a plain file name in its folder, the side-car is
analysed here as part of the file. Anything else leaves the name unanalysed, which the
caller reports.
"""

from __future__ import annotations

import os
import stat

from weightscan.scanner.context import MEMBER_SEPARATOR, ScanContext
from weightscan.scanner.source import Source

_ZFILE_PREFIX = b"ZF"
MAX_SIDE_CARS = 256  # per scanned file; each stays open until the scan ends


def analyse_side_car(ctx: ScanContext, name: str, *, zfile: bool) -> str | None:
    """Analyse the side-car ``name``; None when done, else why it was not analysed."""
    path, why_not = _side_car_path(ctx, name)
    if path is None:
        return why_not
    opened = ctx.state.side_cars
    if name in opened:
        return None  # analysed already for an earlier wrapper
    if len(opened) >= MAX_SIDE_CARS:
        return f"more than {MAX_SIDE_CARS} side-car files: this one was not analysed"
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            return "it is not a regular file next to the pickle (a link or a device)"
        fh = open(path, "rb")  # noqa: SIM115 - kept open until the scan ends (see context)
    except OSError:
        return "it is missing next to the pickle"
    opened[name] = fh
    source = Source(fh, name=name)
    if zfile:
        # raw array bytes for ndarray.__setstate__: data whatever they hold
        if source.head(len(_ZFILE_PREFIX)) != _ZFILE_PREFIX:
            return "it is not a joblib zlib file"
        ctx.child(name).note("joblib_side_car", "raw array bytes (zlib), never unpickled")
        return None
    from weightscan.scanner.dispatch import analyze_nested

    # numpy.load: npy (object arrays unpickle), npz, or else pickle.load: the sniffer
    # sees all three, and any file whose byte 0 starts a pickle is analysed as one
    analyze_nested(source, ctx, name)
    return None


def _side_car_path(ctx: ScanContext, name: str) -> tuple[str | None, str]:
    origin = ctx.origin
    if origin is None:
        return None, "the pickle was not scanned from a file, so its folder is unknown"
    if ctx.member is not None and not all(
        part.startswith("<") and part.endswith(">") for part in ctx.member.split(MEMBER_SEPARATOR)
    ):
        return None, "the pickle is a member of an archive, not a file whose folder is known"
    if (
        not name
        or name in (".", "..")
        or "/" in name
        or "\\" in name
        or "\0" in name
        or os.path.isabs(name)
        or (len(name) > 1 and name[1] == ":")
    ):
        return None, "the name is not a plain file name in the pickle's folder"
    return os.path.join(os.path.dirname(origin), name), ""
