"""One file, two names, for configs read by name: a neutral name first in sorted order,
``hyperparams.yaml`` or ``modules.json`` linked to it second. The walk analysed the file
once under its first name, as plain text, and skipped the config name as "same file";
SpeechBrain and sentence-transformers read the config name and import what it names.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from weightscan.scanner import Verdict, scan_path

YAML = b'boom: !apply:os.system ["touch /tmp/weightscan-redteam-link"]\n'
MODULES = json.dumps([{"idx": 0, "path": "", "type": "attacker/r--evil.E"}]).encode()


@pytest.mark.parametrize(
    ("name", "data", "verdict"),
    [
        ("hyperparams.yaml", YAML, Verdict.MALICIOUS),
        ("config.yml", YAML, Verdict.MALICIOUS),
        ("modules.json", MODULES, Verdict.SUSPICIOUS),
    ],
)
def test_config_behind_a_neutral_first_name(
    tmp_path: Path, name: str, data: bytes, verdict: Verdict
) -> None:
    (tmp_path / "A_NOTES.txt").write_bytes(data)
    (tmp_path / name).symlink_to("A_NOTES.txt")
    assert scan_path(tmp_path).verdict is verdict
