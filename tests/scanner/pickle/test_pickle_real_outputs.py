"""Outputs of the real libraries (pickle, numpy, joblib, scikit-learn, torch) come out clean."""

from __future__ import annotations

import collections
import datetime
import io
import pickle

import numpy as np
import pytest

from tests.scanner.pickle.helpers import rules, scan
from weightscan.scanner import Verdict

PLAIN = {
    "ints": [0, 1, -1, 255, 65535, 2**31 - 1, -(2**31), 2**70, -(2**70)],
    "floats": [0.0, 1.5, float("inf")],
    "text": ["", "a", "é" * 300, "x" * 70_000],
    "bytes": [b"", b"\x00" * 10, b"y" * 70_000, bytearray(b"ba")],
    "containers": ({1, 2}, frozenset({3}), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), {"k": None}),
    "misc": [
        True,
        False,
        None,
        complex(1, 2),
        collections.OrderedDict(a=1),
        datetime.datetime(2024, 1, 2, 3, 4, 5),
        range(3),
        slice(1, 2),
    ],
}


@pytest.mark.parametrize("protocol", range(6))
def test_plain_data_at_every_protocol_is_clean(protocol):
    shared = ["shared"]
    data = pickle.dumps({"plain": PLAIN, "shared": [shared, shared]}, protocol=protocol)
    report = scan(data)
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]
    assert report.format == "pickle"
    assert report.summary["pickle"]["protocol"] == (protocol if protocol >= 2 else 0)


def test_several_pickles_dumped_one_after_another():
    buf = io.BytesIO()
    for obj in ([1], {"a": 2}, "three"):
        pickle.dump(obj, buf, protocol=4)
    report = scan(buf.getvalue())
    assert report.verdict is Verdict.CLEAN
    assert report.summary["pickle"]["pickles"] == 3


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype=np.float32).reshape(3, 4),
        np.asfortranarray(np.ones((2, 3))),
        np.array(["a", "bc"]),
        np.zeros((0, 5), dtype=np.int8),
        np.array([(1, 2.0)], dtype=[("a", "<i4"), ("b", "<f8", (2,))]),
        np.array(5.0),
    ],
)
def test_numpy_save_is_clean(array):
    buf = io.BytesIO()
    np.save(buf, array)
    report = scan(buf.getvalue(), "x.npy")
    assert report.format == "numpy"
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


def test_numpy_object_array_of_plain_values_is_clean_with_a_note():
    buf = io.BytesIO()
    np.save(buf, np.array([1, "two", None], dtype=object), allow_pickle=True)
    report = scan(buf.getvalue(), "x.npy")
    assert report.verdict is Verdict.CLEAN
    assert "pickle.npy.object-array" in rules(report)


def test_pickled_numpy_arrays_are_clean():
    arrays = [
        np.arange(5),
        np.float64(1.5),
        np.dtype("f4"),
        np.random.RandomState(0),
        np.random.default_rng(0),
    ]
    for protocol in (2, 4, 5):
        report = scan(pickle.dumps(arrays, protocol=protocol))
        assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


joblib = pytest.importorskip("joblib")


def _estimators():
    sklearn = pytest.importorskip("sklearn")
    del sklearn
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.tree import DecisionTreeRegressor

    rng = np.random.RandomState(0)
    x = rng.rand(60, 4)
    y = (x[:, 0] > 0.5).astype(int)
    return [
        LogisticRegression().fit(x, y),
        RandomForestClassifier(n_estimators=3, random_state=0).fit(x, y),
        GradientBoostingClassifier(n_estimators=3).fit(x, y),
        make_pipeline(StandardScaler(), PCA(2), LogisticRegression()).fit(x, y),
        KMeans(2, n_init=1, random_state=0).fit(x),
        DecisionTreeRegressor(random_state=rng).fit(x, x[:, 1]),
        OneHotEncoder().fit([["a"], ["b"]]),
    ]


def test_joblib_dump_of_arrays_is_clean_and_named_joblib():
    buf = io.BytesIO()
    joblib.dump(
        {
            "a": np.arange(1000.0),
            "b": np.ones((3, 3), order="F"),
            "o": np.array([1, "x"], dtype=object),
            "s": "text",
        },
        buf,
    )
    report = scan(buf.getvalue(), "m.joblib")
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]
    assert report.format == "joblib"
    assert report.summary["pickle"]["joblib_arrays"] == 2


def test_joblib_dump_of_sklearn_estimators_is_clean():
    for model in _estimators():
        buf = io.BytesIO()
        joblib.dump(model, buf)
        report = scan(buf.getvalue(), "m.joblib")
        assert report.verdict is Verdict.CLEAN, (
            type(model),
            [f.to_dict() for f in report.findings],
        )
        for protocol in (2, 5):
            report = scan(pickle.dumps(model, protocol=protocol))
            assert report.verdict is Verdict.CLEAN, (type(model), protocol)


def test_joblib_array_bytes_are_skipped_exactly_and_a_payload_after_them_is_found():
    from tests.fixtures.pickles import call4, ops

    buf = io.BytesIO()
    joblib.dump([np.arange(100.0)], buf)
    data = buf.getvalue()
    assert data.endswith(b".")
    tampered = data[:-1] + ops.POP + call4("os", "system", "echo hi") + ops.STOP
    report = scan(tampered, "m.joblib")
    assert report.verdict is Verdict.MALICIOUS


def test_joblib_array_longer_than_the_file():
    buf = io.BytesIO()
    joblib.dump(np.arange(100.0), buf)
    report = scan(buf.getvalue()[:400], "m.joblib")
    assert report.verdict is Verdict.SUSPICIOUS
    assert rules(report) & {"pickle.joblib.array", "pickle.stream.truncated"}
