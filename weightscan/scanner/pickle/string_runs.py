"""The fast path for runs of short strings, the bulk of dense pickles.

``pickle.dumps`` writes a list of strings as rows of SHORT_BINUNICODE (0x8C, a length
byte, the text) each followed by MEMOIZE (0x94). A run of such rows is sliced from a
latin-1 view of the chunk (no codec call per string) and checked once to be ASCII, where
latin-1 and UTF-8 agree; fixed-width runs (ids, hashes, codes) are checked a column at a
time. Anything else (non-ASCII text, a string not memoized, the memo filling up, a chunk
edge) is left to the engine's exact path.
"""

from __future__ import annotations

_PROBE_ROWS = 16  # fixed-width string rows checked before a whole run is; fewer: not a run


def string_run(
    data: bytes, latin1: str, start: int, stop: int, fast_end: int, room: int
) -> tuple[list[str], int] | None:
    """The strings of the run of memoized SHORT_BINUNICODE rows at ``start``, and the
    position after it.

    ``stop`` is the first row's MEMOIZE, followed by another row; ``latin1`` decodes
    ``data``; rows end by ``fast_end + 1``; the memo takes ``room`` more strings. None
    when the exact path must take the run.
    """
    parts = _fixed_width_run(data, latin1, start, stop, fast_end, room)
    if parts is not None:
        return parts, start + len(parts) * (stop - start + 1)
    # any widths: row by row (0x8C, length, text, MEMOIZE)
    parts = []
    append = parts.append
    text_at = start + 2
    while True:
        append(latin1[text_at:stop])
        if data[stop + 1] != 0x8C or data[stop] != 0x94:
            break
        text_at = stop + 3
        stop = text_at + data[stop + 2]
        if stop > fast_end:
            break
    # after the last row, or at the row that did not fit in the chunk
    after = stop + (data[stop] == 0x94) if stop <= fast_end else text_at - 2
    # k rows of opcode, length byte and text, plus one byte per MEMOIZE
    k = len(parts)
    text = "".join(parts)
    if text.isascii() and after - start - 3 * k == len(text) and room >= k:
        return parts, after
    return None


def _fixed_width_run(
    data: bytes, latin1: str, start: int, stop: int, fast_end: int, max_rows: int
) -> list[str] | None:
    """The strings of a run of same-length SHORT_BINUNICODE + MEMOIZE rows at ``start``.

    ``stop`` is the first row's MEMOIZE. The three structure bytes of every row are
    checked a column at a time with strided slices, and the strings come from a single
    split of the ``latin1`` view; rows must be ASCII (where latin-1 and UTF-8 agree) and
    end by ``fast_end + 1``. None when fewer than ``_PROBE_ROWS`` rows qualify: the
    caller goes on string by string.
    """
    width = stop - start + 1
    rows = min((fast_end + 1 - start) // width, max_rows)
    if rows < _PROBE_ROWS or data[stop + 2] != data[start + 1] or data[stop + width] != 0x94:
        return None
    # a short probe first, so that a run of a few equal widths costs little
    good = _good_rows(data, start, width, min(rows, _PROBE_ROWS))
    if good == _PROBE_ROWS < rows:
        good = _good_rows(data, start, width, rows)
    rows = good
    if rows < _PROBE_ROWS:
        return None  # a few rows: string by string is cheaper
    last = start + rows * width
    parts = latin1[start + 2 : last - 1].split(latin1[stop : stop + 3])
    if len(parts) != rows or not "".join(parts).isascii():
        return None  # a separator or a non-ASCII byte inside a string
    return parts


def _good_rows(data: bytes, start: int, width: int, rows: int) -> int:
    """How many of ``rows`` rows from ``start`` are 0x8C, the first row's length, 0x94."""
    last = start + rows * width
    return rows - max(
        len(data[start:last:width].lstrip(b"\x8c")),
        len(data[start + 1 : last : width].lstrip(data[start + 1 : start + 2])),
        len(data[start + width - 1 : last : width].lstrip(b"\x94")),
    )
