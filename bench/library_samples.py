"""Real objects of the vetted libraries, as ordinary model files pickle them.

Used twice: by ``bench.gen_allowlist`` (every global these pickles import must be on the
generated allowlist) and by the tests (their pickles must scan clean). Each library is
optional: a missing one contributes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


def samples() -> Iterator[tuple[str, Any]]:
    """(name, object) pairs from every installed vetted library."""
    for build in (_numpy, _scipy, _sklearn, _torch):
        try:
            yield from build()
        except ImportError:
            continue


def _numpy() -> Iterator[tuple[str, Any]]:
    import numpy as np

    yield "ndarray", np.arange(12, dtype=np.float32).reshape(3, 4)
    yield "matrix", np.matrix([[1, 2], [3, 4]])
    yield "recarray", np.rec.fromrecords([(1, 2.0), (3, 4.0)], names="a,b")
    yield "record", np.rec.fromrecords([(1, 2.0)], names="a,b")[0]
    yield "structured", np.zeros(3, dtype=[("x", "i4"), ("y", "f8")])
    yield "masked", np.ma.masked_array([1, 2, 3], mask=[0, 1, 0])
    yield "RandomState", np.random.RandomState(0)
    yield "Generator", np.random.default_rng(0)
    for name in ("MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64"):
        yield name, getattr(np.random, name)(0)
    yield "SeedSequence", np.random.SeedSequence(0)
    yield (
        "scalars",
        [
            np.float64(1.5),
            np.int64(3),
            np.bool_(True),
            np.complex64(1j),
            np.datetime64("2020-01-01"),
            np.timedelta64(3, "D"),
            np.str_("x"),
        ],
    )
    yield "dtypes", [np.dtype("f4"), np.dtype("<U3"), np.dtype([("a", "i2")]), type(np.dtype("f8"))]


def _scipy() -> Iterator[tuple[str, Any]]:
    import numpy as np
    import scipy.sparse as sp

    dense = np.eye(4)
    for fmt in ("csr", "csc", "coo", "bsr", "dia", "lil", "dok"):
        yield f"{fmt}_matrix", getattr(sp, f"{fmt}_matrix")(dense)
        yield f"{fmt}_array", getattr(sp, f"{fmt}_array")(dense)


def _sklearn() -> Iterator[tuple[str, Any]]:
    import numpy as np
    from sklearn import (
        cluster,
        compose,
        decomposition,
        ensemble,
        feature_extraction,
        impute,
        linear_model,
        naive_bayes,
        neighbors,
        neural_network,
        pipeline,
        preprocessing,
        svm,
        tree,
    )

    rng = np.random.RandomState(0)
    x = rng.rand(40, 4)
    y = (x[:, 0] > 0.5).astype(int)
    yr = x @ np.arange(4.0)
    fitted: list[tuple[str, Any, Any]] = [
        ("LogisticRegression", linear_model.LogisticRegression(), y),
        ("LinearRegression", linear_model.LinearRegression(), yr),
        ("Ridge", linear_model.Ridge(), yr),
        ("SGDClassifier", linear_model.SGDClassifier(max_iter=5, tol=None), y),
        ("DecisionTree", tree.DecisionTreeClassifier(max_depth=3), y),
        ("DecisionTreeRegressor", tree.DecisionTreeRegressor(max_depth=3), yr),
        ("RandomForest", ensemble.RandomForestClassifier(n_estimators=3), y),
        ("GradientBoosting", ensemble.GradientBoostingClassifier(n_estimators=3), y),
        ("HistGradientBoosting", ensemble.HistGradientBoostingRegressor(max_iter=3), yr),
        ("IsolationForest", ensemble.IsolationForest(n_estimators=3), None),
        ("SVC", svm.SVC(probability=True), y),
        ("LinearSVC", svm.LinearSVC(), y),
        ("SVR", svm.SVR(), yr),
        ("StandardScaler", preprocessing.StandardScaler(), None),
        ("MinMaxScaler", preprocessing.MinMaxScaler(), None),
        ("OneHotEncoder", preprocessing.OneHotEncoder(), None),
        ("KMeans", cluster.KMeans(n_clusters=2, n_init=1), None),
        ("GaussianNB", naive_bayes.GaussianNB(), y),
        ("MLPClassifier", neural_network.MLPClassifier(max_iter=5), y),
        ("KNeighbors", neighbors.KNeighborsClassifier(), y),
        ("KDTree-NN", neighbors.NearestNeighbors(algorithm="kd_tree"), None),
        ("BallTree-NN", neighbors.NearestNeighbors(algorithm="ball_tree"), None),
        ("PCA", decomposition.PCA(n_components=2), None),
        ("SimpleImputer", impute.SimpleImputer(), None),
        (
            "Pipeline",
            pipeline.make_pipeline(
                preprocessing.StandardScaler(), linear_model.LogisticRegression()
            ),
            y,
        ),
        (
            "ColumnTransformer",
            compose.ColumnTransformer(
                [("scale", preprocessing.StandardScaler(), [0, 1])], remainder="passthrough"
            ),
            None,
        ),
    ]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, est, target in fitted:
            yield name, est.fit(x) if target is None else est.fit(x, target)
        docs = ["alpha beta", "beta gamma", "gamma delta"]
        text = feature_extraction.text.TfidfVectorizer().fit(docs)
        yield "TfidfVectorizer", text
        yield "LabelEncoder", preprocessing.LabelEncoder().fit(["a", "b"])
        yield "KDTree", neighbors.KDTree(x)
        yield "BallTree", neighbors.BallTree(x)


def _torch() -> Iterator[tuple[str, Any]]:
    import torch
    from torch import nn

    model = nn.Sequential(
        nn.Conv2d(3, 4, 3),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Dropout(0.1),
        nn.Flatten(),
        nn.Linear(4, 8),
        nn.LayerNorm(8),
        nn.GELU(),
        nn.Embedding(10, 4),
        nn.LSTM(4, 4),
        nn.GRU(4, 4),
        nn.MultiheadAttention(4, 2),
        nn.TransformerEncoderLayer(8, 2, 16),
        nn.ModuleDict({"a": nn.Identity()}),
        nn.ModuleList([nn.Tanh(), nn.Sigmoid()]),
        nn.ParameterList([nn.Parameter(torch.zeros(2))]),
    )
    yield "Sequential", model
    yield "state_dict", model.state_dict()
    yield "tensor", torch.arange(6.0).reshape(2, 3)


BUILDERS: tuple[Callable[[], Iterator[tuple[str, Any]]], ...] = (_numpy, _scipy, _sklearn, _torch)
