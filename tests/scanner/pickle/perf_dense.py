"""Measure the engine on an opcode-dense pickle (not collected by pytest).

    python3 -m tests.scanner.pickle.perf_dense [n_strings] [--padded]

Writes ``pickle.dumps([f"s{i}" for i in range(n)])`` (8 M strings: ~87 MB, ~16 M
opcodes) in a child process, then scans it here and prints wall time, peak RSS and the
verdict. With ``--padded`` an ``os.system`` call is appended after the list (the payload
must still be found). Compare: ``pickletools.genops`` materialised as a list, the way the
peer scanners walk pickles, on the same file (``--genops``).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time

_WRITER = """
import pickle, sys
n = int(sys.argv[1]); padded = sys.argv[2] == "1"
data = pickle.dumps([f"s{i}" for i in range(n)], protocol=4)
if padded:
    from tests.fixtures.pickles import call4, ops
    data = data[:-1] + ops.POP + call4("os", "system", "echo padded") + ops.STOP
open(sys.argv[3], "wb").write(data)
"""


def main(argv: list[str]) -> None:
    n = int(next((a for a in argv if a.isdigit()), "8000000"))
    padded = "--padded" in argv
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "dense.pkl")
        subprocess.run(
            [sys.executable, "-c", _WRITER, str(n), "1" if padded else "0", path], check=True
        )
        size = os.path.getsize(path)
        if "--genops" in argv:
            import pickletools

            started, cpu = time.monotonic(), time.process_time()
            with open(path, "rb") as f:
                ops = list(pickletools.genops(f))
            print(
                f"genops list: {len(ops)} opcodes in {time.monotonic() - started:.1f} s "
                f"({time.process_time() - cpu:.1f} s CPU)"
            )
            return
        from weightscan.scanner import scan_path

        started, cpu = time.monotonic(), time.process_time()
        report = scan_path(path)
        elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        f = report.files[0]
        print(
            f"{size / 1e6:.1f} MB, {f.summary.get('pickle', {}).get('opcodes')} opcodes: "
            f"{elapsed:.2f} s ({cpu:.2f} s CPU), peak RSS {peak:.0f} MB, "
            f"verdict {f.verdict.value}, "
            f"rules {sorted({x.rule_id for x in f.findings})}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
