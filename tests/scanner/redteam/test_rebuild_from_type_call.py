"""A call routed through ``torch._tensor._rebuild_from_type_v2`` (red team).

The allowlisted helper runs ``func(*args)`` for the ``func`` and ``args`` the pickle hands
it (torch/_tensor.py), like ``copyreg.__newobj__`` does, but the engine did not know it
forwards a call: the callee counted as only imported, so an unvetted callable called
with Python source scanned suspicious (the code-argument rule never saw the call), and
``os.system`` was "imported" (high) rather than called (critical).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.archives import findings_for, rules_of, scan_bytes
from tests.scanner.redteam.build import g, proves_payload_runs, s
from weightscan.scanner import Severity, Verdict


def through_rebuild(module: str, name: str, argument: str) -> bytes:
    return (
        b"\x80\x04"
        + g("torch._tensor", "_rebuild_from_type_v2")
        + b"("
        + g(module, name)
        + g("torch", "Tensor")
        + s(argument)
        + b"\x85}tR."
    )


def test_unvetted_callable_with_code_is_malicious() -> None:
    code = "import os; os.system('touch /tmp/weightscan-redteam-rebuild')"
    report = scan_bytes(through_rebuild("somepkg.tools", "run_snippet", code))
    assert report.verdict is Verdict.MALICIOUS, rules_of(report)
    assert "pickle.call.code-argument" in rules_of(report)


def test_denied_callable_counts_as_called() -> None:
    report = scan_bytes(through_rebuild("os", "system", "touch /tmp/weightscan-redteam"))
    (found,) = findings_for(report, "pickle.import.malicious")
    assert found.severity is Severity.CRITICAL
    assert found.evidence["called"] is True


def test_proof_pickle_runs_the_forwarded_call(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    assert proves_payload_runs(tmp_path, "pickle", lambda c: through_rebuild("os", "system", c))
