"""Every input a fuzzer found that broke the scanner's contract, rebuilt in code.

Each test is named after the case; the input is built here (or is a tiny hex literal)
and checked with the same contract the fuzzers assert (``fuzz.targets.check``): a
report comes back, no ``scanner.internal-error``, no ``error`` verdict, bounded time.
"""

from __future__ import annotations

import base64
import zlib

from fuzz.targets import TARGETS, check
from tests.fixtures.archives import central_offsets, local_offsets, make_zip, patch

# Findings reported to their owners and not fixed yet: a message fragment of the
# contract violation -> the finding. The short CI run tolerates crashes matching these
# (they are pinned by the strict xfail tests below); remove an entry with its xfail.
KNOWN_UNFIXED: dict[str, str] = {}


def zip_with_method(name: str, raw: bytes, method: int) -> bytes:
    """A one-member zip whose member says it is compressed with ``method``."""
    data = make_zip({name: raw})
    data = patch(data, local_offsets(data)[0] + 8, "<H", method)
    return patch(data, central_offsets(data)[0] + 10, "<H", method)


def test_zip_lzma_member_with_invalid_lclppb():
    """F1: LZMA props byte 0x72 (lc=6, lp=2) made the decoder constructor raise LZMAError."""
    lzma_header = bytes.fromhex("090405007200008000")  # version, props size, props
    report = check(TARGETS["zip"], zip_with_method("x.pkl", lzma_header + bytes(16), 14))
    assert report.files[0].verdict.value == "suspicious"


def test_pickle_memo_laughs_as_a_call_argument():
    """F2: 12 levels of 10 memo references (10**12 strings) passed to os.system made the
    call renderer walk the shared graph as a tree; it must stay within the 2 s budget."""
    from tests.abuse.bombs import memo_laughs

    report = check(TARGETS["pickle"], memo_laughs(12))
    assert report.files[0].verdict.value == "malicious"


# F4, as found by the sniff fuzzer (4,965 bytes; zlib + base64 to keep it short).
_F4_ZIP_FANOUT = (
    "eNoL8GZmEWGAAMWAxyZHjgsy/P/PwCAI5AuAWYlFyRmZZan6KYkliXoF2TkNTLWFDBGMQPnEQkZvxmK9"
    "ABQjWm3ZJBkeMzCwMUAMgWlPqiwxyC9KSS3KySwpyUlF0YSs3yy5t9QByAJhPgZU6/UNkJ0JcySaE0lw"
    "UCpdHAQNs20IgMtahF0B3oxMEPv+YwABBgRoAMUDhnUg3SLMCGPBVKvtY0lQGMDCAWGEPbZQQTcDORgg"
    "AQHTXoIRKAHeBNMJjQMbTwJlZGHAGh7EpAt09/2nDsDiTUoAqpMvzksPBaUlEOafu//RO4/lXEIyb2t3"
    "MhQVZ+bnGXOhxzR6+A6ZtIYRrtqMdAFDI4on+4kwDItoHi1SRosU2qY1vM0b3FG8DT8YrfVHs+hoFh2t"
    "9Udr/aFRpCiPFikjtEghq/aHOGA0MdAkMdA1HaDqRfEpitUPkPSWpYL9HeDNCnIiAwsQfgNpAPsOAEWI"
    "3mo="
)


def test_zip_members_reopening_the_archive_fan_out_within_budget():
    data = zlib.decompress(base64.b64decode(_F4_ZIP_FANOUT))
    assert len(data) == 4965
    check(TARGETS["sniff"], data, slow_seconds=1.0)


def test_hdf5_superblock_cut_short():
    """F-hdf5-1: a signature and a few superblock bytes: the size fields were indexed past
    the end (IndexError) instead of being reported as a truncated superblock."""
    for tail in ("0000", "0000890000 48".replace(" ", ""), "000000", "00000089"):
        report = check(TARGETS["hdf5"], b"\x89HDF\r\n\x1a\n" + bytes.fromhex(tail))
        assert report.files[0].verdict.value == "suspicious"


def test_template_format_of_an_int_too_large_to_fold():
    """A %c of a 90-digit int literal: the folding cap escaped as an internal error."""
    template = b"{{ ()|attr('%c%cclass%c%c'|format(95, 95, 95, 95" + b"4" * 90 + b")) }}\n"
    report = check(TARGETS["template_json"], template)
    assert report.files[0].verdict.value != "clean"


def test_yaml_config_with_a_character_yaml_refuses():
    """F-yaml-1: a vertical tab (text to the sniffer, not printable to YAML) made PyYAML's
    reader raise while the bounded loader was built, outside the composer's error
    handling: scanner.internal-error instead of an unreadable config."""
    report = check(TARGETS["yaml_config"], b"samp\x0ble_rate: 16000\nx: !new:a.B\n")
    assert report.files[0].verdict.value == "suspicious"
