"""What a YAML config makes its loader run beyond the tags and targets in the file itself.

* HyperPyYAML (SpeechBrain's ``from_hparams``) resolves ``!include:<file>`` by reading
  that file, relative to the config, as YAML and constructing its tags with the rest: a
  ``hyperparams.yaml`` including ``notes.txt`` whose ``!apply:os.system`` runs scanned
  clean (the .txt is plain text, the include names no Python).
* Callables of the vetted model libraries that import code from files or the Hub:
  ``transformers``/``diffusers`` ``get_class_from_dynamic_module`` (imports a remote
  repository's module), ``get_class_in_module`` (executes any ``.py`` path),
  SpeechBrain's ``foreign_class`` (imports a fetched ``custom.py``) and
  ``transformers.pipeline`` (``trust_remote_code``) were "safe" because of the prefix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from weightscan.scanner import Verdict
from weightscan.scanner.api import scan_path

MARK = "touch /tmp/weightscan-redteam-yaml-reach"


def _verdict(folder: Path, files: dict[str, str]) -> Verdict:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    report = scan_path(folder / "repo")
    return report.verdict if hasattr(report, "verdict") else max(f.verdict for f in report.files)


@pytest.mark.parametrize(
    "files",
    [
        {
            "repo/hyperparams.yaml": "sample_rate: 16000\nextra: !include:notes.txt\n",
            "repo/notes.txt": f'boom: !apply:os.system ["{MARK}"]\n',
        },
        {"repo/hyperparams.yaml": "extra: !include:../outside.yaml\n", "outside.yaml": "a: 1\n"},
        {"repo/hyperparams.yaml": "extra: !include:/etc/hostname\n"},
    ],
    ids=["text-file", "parent-folder", "absolute"],
)
def test_an_include_of_a_file_not_checked_as_yaml_is_not_clean(
    tmp_path: Path, files: dict[str, str]
) -> None:
    assert _verdict(tmp_path, files) is not Verdict.CLEAN


def test_an_include_of_a_yaml_file_beside_it_stays_clean(tmp_path: Path) -> None:
    files = {
        "repo/hyperparams.yaml": "extra: !include:sub/encoder.yaml\n  n_mels: 80\n",
        "repo/sub/encoder.yaml": "n_mels: 40\nsize: 256\n",
    }
    assert _verdict(tmp_path, files) is Verdict.CLEAN


@pytest.mark.parametrize(
    "text",
    [
        "enc: !apply:speechbrain.inference.interfaces.foreign_class\n"
        "  source: attacker/repo\n  pymodule_file: custom.py\n  classname: X\n",
        "enc: !name:speechbrain.pretrained.interfaces.foreign_class\n",
        "model:\n  _target_: transformers.dynamic_module_utils.get_class_from_dynamic_module\n"
        "  class_reference: attacker/repo--modeling.Evil\n",
        "m:\n  _target_: transformers.dynamic_module_utils.get_class_in_module\n"
        "  class_name: X\n  module_path: /tmp/x.py\n",
        "m:\n  _target_: diffusers.utils.dynamic_modules_utils.get_class_from_dynamic_module\n",
        "m:\n  _target_: transformers.pipeline\n  model: attacker/repo\n"
        "  trust_remote_code: true\n",
    ],
    ids=[
        "foreign_class",
        "foreign_class-old",
        "dynamic-module",
        "class-in-module",
        "diffusers",
        "pipeline",
    ],
)
def test_model_library_callables_that_import_code_are_not_clean(tmp_path: Path, text: str) -> None:
    assert _verdict(tmp_path, {"repo/hyperparams.yaml": text}) is not Verdict.CLEAN
