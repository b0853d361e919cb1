"""The tolerant zip reader agrees with zipfile on every valid archive zipfile writes."""

from __future__ import annotations

import io
import zipfile

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from weightscan.scanner.containers.inflate import CODECS, inflate
from weightscan.scanner.containers.zipformat import compare_headers, read_directory, read_local
from weightscan.scanner.context import ScanContext
from weightscan.scanner.limits import DEFAULT_LIMITS
from weightscan.scanner.source import Source

METHODS = {zipfile.ZIP_STORED: None, zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2"}

members = st.lists(
    st.tuples(
        st.text(st.characters(codec="utf-8", exclude_characters="\0/\\"), min_size=1, max_size=20),
        st.binary(max_size=3000),
        st.sampled_from(sorted(METHODS)),
    ),
    min_size=0,
    max_size=8,
    unique_by=lambda m: m[0],
)


def _read_member(source: Source, entry) -> bytes:
    local = entry.local
    if entry.method == zipfile.ZIP_STORED:
        return source.read_at(local.data_offset, entry.comp_size)
    ctx = ScanContext.for_file(DEFAULT_LIMITS)
    result = inflate(
        source.slice(local.data_offset, entry.comp_size).open(),
        CODECS[METHODS[entry.method]],
        ctx,
        compressed_size=entry.comp_size,
    )
    try:
        assert result.complete
        return result.spool.read()
    finally:
        result.close()


@settings(max_examples=60, deadline=None)
@given(members, st.binary(max_size=40))
def test_reader_matches_zipfile(items, comment):
    # A comment holding an end-of-directory signature makes zipfile read the fake record
    # (it searches backwards); that ambiguity has its own fail-closed tests.
    assume(b"PK\x05\x06" not in comment)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.comment = comment
        for name, data, method in items:
            z.writestr(name, data, compress_type=method)
    source = Source(io.BytesIO(buf.getvalue()))
    directory = read_directory(source, max_entries=100)
    assert not directory.issues
    reference = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    assert [e.name for e in directory.entries] == reference.namelist()
    for entry in directory.entries:
        entry.local = read_local(source, entry.local_offset)
        assert entry.local is not None
        assert compare_headers(entry, entry.local) == []
        assert _read_member(source, entry) == reference.read(entry.name)
