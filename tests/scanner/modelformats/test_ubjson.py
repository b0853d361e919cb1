"""XGBoost ``.ubj`` models: UBJSON (draft 12), encoded here by hand the way XGBoost's
writer lays it out (object keys with int length markers, typed float/int arrays)."""

from __future__ import annotations

import io
import struct

import pytest

from tests.fixtures.archives import scan_bytes
from weightscan.scanner import Verdict
from weightscan.scanner.ubjson.walker import looks_like_ubjson


def _len(n: int) -> bytes:
    return b"L" + struct.pack(">q", n)


def ubj(value: object) -> bytes:
    if value is None:
        return b"Z"
    if value is True or value is False:
        return b"T" if value else b"F"
    if isinstance(value, int):
        return b"L" + struct.pack(">q", value)
    if isinstance(value, float):
        return b"d" + struct.pack(">f", value)
    if isinstance(value, str):
        raw = value.encode()
        return b"S" + _len(len(raw)) + raw
    if isinstance(value, tuple):  # a typed float32 array, as XGBoost writes weights
        return b"[$d#" + _len(len(value)) + b"".join(struct.pack(">f", v) for v in value)
    if isinstance(value, list):
        return b"[" + b"".join(ubj(v) for v in value) + b"]"
    if isinstance(value, dict):
        body = b"".join(_len(len(k)) + k.encode() + ubj(v) for k, v in value.items())
        return b"{" + body + b"}"
    raise TypeError(type(value))


MODEL = {
    "learner": {
        "attributes": {},
        "feature_names": [],
        "gradient_booster": {
            "model": {
                "trees": [
                    {"base_weights": (0.1, -0.2, 0.3), "left_children": [1, -1, -1], "id": 0},
                ],
                "gbtree_model_param": {"num_trees": "1"},
            },
            "name": "gbtree",
        },
        "objective": {"name": "reg:squarederror"},
    },
    "version": [3, 2, 0],
}


def test_an_xgboost_shaped_document_is_sniffed_and_clean():
    data = ubj(MODEL)
    assert looks_like_ubjson(data[:64])
    report = scan_bytes(data, "model.ubj")
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]
    assert report.format == "ubjson"


def test_a_counted_object_and_no_op_padding_are_walked():
    counted = b"{#U\x02" + b"U\x01aT" + b"U\x01b[NNi\x05]"
    report = scan_bytes(counted, "model.ubj")
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


@pytest.mark.parametrize(
    "data",
    [
        ubj(MODEL)[:-3],  # truncated
        ubj(MODEL) + b"\x80\x02cos\nsystem\n.",  # bytes after the document
        b"{L" + struct.pack(">q", 7) + b"learner[$d#L" + struct.pack(">q", 1 << 40) + b"}",
        b"{L" + struct.pack(">q", 7) + b"learner" + b"[" * 5000,  # nesting past the cap
        b"{U\x03keyX}",  # no value starts with X
    ],
    ids=["truncated", "trailing", "count-past-end", "deep", "bad-marker"],
)
def test_what_does_not_parse_whole_is_not_clean(data):
    assert scan_bytes(data, "model.ubj").verdict is not Verdict.CLEAN


def test_a_real_xgboost_ubj_model_is_clean(tmp_path):
    xgb = pytest.importorskip("xgboost")
    np = pytest.importorskip("numpy")
    x = np.random.default_rng(0).normal(size=(32, 3))
    booster = xgb.train({"max_depth": 2}, xgb.DMatrix(x, label=x[:, 0] > 0), num_boost_round=2)
    booster.save_model(tmp_path / "model.ubj")
    report = scan_bytes((tmp_path / "model.ubj").read_bytes(), "model.ubj")
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


def test_no_op_padding_before_the_closing_marker_is_walked():
    """Padding ran in its own loop: N before ']' read the ']' as a value (malformed)."""
    report = scan_bytes(b"{U\x01a[i\x01NNN]U\x01b[NN]}", "model.ubj")
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


def test_no_op_padding_is_walked_within_the_time_budget():
    """A run of N padding was read without a time check: 64 MiB took 27 s, so a large
    file ran past the scan's time budget."""
    from weightscan.scanner.context import ScanContext
    from weightscan.scanner.errors import LimitExceeded
    from weightscan.scanner.limits import ScanLimits
    from weightscan.scanner.source import Source
    from weightscan.scanner.ubjson.walker import walk

    data = b"{U\x01a[" + b"N" * 200_000 + b"]}"
    ctx = ScanContext.for_file(ScanLimits(max_seconds=1e-9))
    with pytest.raises(LimitExceeded, match="time"):
        walk(Source(io.BytesIO(data), name="model.ubj"), ctx)
