"""xz and .lzma files whose next stream is of the other LZMA kind.

joblib opens ``.xz``/``.lzma`` dumps with ``lzma.LZMAFile`` (format auto): at the end of
one stream it decodes whatever follows as a new stream of either kind, and only bytes
that start no stream are ignored. The scanner continued only into a stream with the same
magic, so a pickle split between an xz stream and a following LZMA-alone stream (or the
reverse) was analysed up to the split: ``os.system`` in the second stream was never seen.
(Fixed on main meanwhile by reading follow-on streams with FORMAT_AUTO; these pin the
mixed-kind cases.)
"""

from __future__ import annotations

import io
import lzma

import pytest

from tests.fixtures.archives import rules_of, scan_bytes
from weightscan.scanner import Verdict

PAYLOAD = b"cos\nsystem\n(S'touch /tmp/weightscan-redteam-lzma-follow'\ntR."


def _joined(first: int, second: int) -> bytes:
    return lzma.compress(PAYLOAD[:5], format=first) + lzma.compress(PAYLOAD[5:], format=second)


@pytest.mark.parametrize(
    ("first", "second"),
    [(lzma.FORMAT_XZ, lzma.FORMAT_ALONE), (lzma.FORMAT_ALONE, lzma.FORMAT_XZ)],
    ids=["xz-then-lzma", "lzma-then-xz"],
)
def test_a_pickle_continued_in_a_stream_of_the_other_kind_is_read_whole(
    first: int, second: int
) -> None:
    data = _joined(first, second)
    with lzma.LZMAFile(io.BytesIO(data)) as stream:  # what joblib decompresses
        assert stream.read() == PAYLOAD
    report = scan_bytes(data, name="model.joblib")
    assert report.verdict is Verdict.MALICIOUS, rules_of(report)
