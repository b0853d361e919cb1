"""Classes of attack from Fickling's bypass tests, rebuilt here from opcodes."""

from __future__ import annotations

from tests.fixtures.pickles import ops
from tests.scanner.pickle.helpers import finding, no_internal_error, scan
from weightscan.scanner import Verdict


def _call_global(module: str, name: str) -> bytes:
    return ops.proto(4) + b"c" + f"{module}\n{name}\n".encode() + b")R."


def test_torch_compile_is_denied_like_dynamo():
    """torch.compile is the entry point of TorchDynamo/Inductor, which generate and run code;
    no model pickle needs to call it."""
    report = scan(_call_global("torch", "compile"))
    no_internal_error(report)
    finding(report, "pickle.import.malicious", module="torch", name="compile")
    assert report.verdict is Verdict.MALICIOUS
