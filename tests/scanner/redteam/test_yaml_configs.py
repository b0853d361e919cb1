"""YAML configs that loaders turn into Python calls, outside a ``.nemo`` archive.

Only ``model_config.yaml`` inside a NeMo tar was read as a config; every other YAML file
was plain text, so these scanned clean:

* a SpeechBrain ``hyperparams.yaml``: ``from_hparams`` loads it with HyperPyYAML, whose
  ``!apply:``/``!new:``/``!name:``/``!module:`` tags import and call any dotted name;
* a PyYAML Python tag (``!!python/object/apply:os.system``), which ``yaml.unsafe_load``
  and ``yaml.load(..., Loader=yaml.Loader)`` construct by calling the named function;
* a loose ``model_config.yaml`` (NeMo restores an extracted folder) or any Hydra config
  naming ``_target_: os.system``.

And inside a ``.nemo``: OmegaConf resolves ``${...}`` interpolations before Hydra imports
``_target_``, so ``nemo.core.classes.modelPT.${x}`` with ``x: os.system`` starts with a
vetted prefix yet walks to ``os.system``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.archives import scan_bytes
from tests.scanner.modelformats.test_nemo import CONFIG, nemo
from weightscan.scanner import Verdict
from weightscan.scanner.api import scan_path

MARK = "touch /tmp/weightscan-redteam-yaml"

HYPERPARAMS = f"""\
sample_rate: 16000
compute_features: !new:speechbrain.lobes.features.Fbank
  n_mels: 80
boom: !apply:os.system ["{MARK}"]
"""


def _scan_folder(tmp_path: Path, name: str, text: str) -> Verdict:
    (tmp_path / name).write_text(text)
    report = scan_path(tmp_path)
    assert len(report.files) == 1
    return report.files[0].verdict


@pytest.mark.parametrize(
    "text",
    [
        HYPERPARAMS,
        f'x: !new:subprocess.Popen [["sh", "-c", "{MARK}"]]\n',
        "x: !name:builtins.eval\n",
        f'x: !apply:speechbrain.utils.data_utils.os.system ["{MARK}"]\n',
        f'%TAG !sb! !app\n---\nx: !sb!ly:os.system ["{MARK}"]\n',
    ],
)
def test_hyperpyyaml_tags_calling_code_are_malicious(tmp_path: Path, text: str) -> None:
    assert _scan_folder(tmp_path, "hyperparams.yaml", text) is Verdict.MALICIOUS


@pytest.mark.parametrize(
    "text",
    [
        f'a: !!python/object/apply:os.system ["{MARK}"]\n',
        f"a: !!python/object/new:subprocess.Popen [[sh, -c, '{MARK}']]\n",
        "a: !!python/name:builtins.eval\n",
        f'%TAG !p! tag:yaml.org,2002:python/\n---\na: !p!object/apply:os.system ["{MARK}"]\n',
    ],
)
def test_python_tags_calling_code_are_malicious(tmp_path: Path, text: str) -> None:
    assert _scan_folder(tmp_path, "config.yml", text) is Verdict.MALICIOUS


@pytest.mark.parametrize(
    "text", ["enc: !new:mypackage.models.Encoder\n  size: 3\n", "x: !module:os\n"]
)
def test_unknown_hyperpyyaml_import_is_not_clean(tmp_path: Path, text: str) -> None:
    assert _scan_folder(tmp_path, "hyperparams.yaml", text) is Verdict.SUSPICIOUS


def test_loose_hydra_config_is_checked(tmp_path: Path) -> None:
    text = f"net:\n  _target_: os.system\n  _args_: ['{MARK}']\n"
    assert _scan_folder(tmp_path, "model_config.yaml", text) is Verdict.MALICIOUS


def test_unparsable_yaml_is_not_clean(tmp_path: Path) -> None:
    text = "a: [1, 2\nb: !apply:os.system\n"
    assert _scan_folder(tmp_path, "hyperparams.yaml", text) is not Verdict.CLEAN


@pytest.mark.parametrize(
    "text",
    [
        "sample_rate: 16000\nlabels: [a, b]\nlr: 0.001\n",
        "enc: !new:speechbrain.lobes.models.ECAPA_TDNN.ECAPA_TDNN\n  input_size: 80\n"
        "opt: !name:torch.optim.Adam\n  lr: !ref <lr>\nlr: 0.1\n",
        "shape: !!python/tuple [1, 2]\n",
        # what yaml.dump writes for a Lightning hparams.yaml holding common values
        "p: !!python/object/apply:pathlib.PosixPath\n- /\n- x\n"
        "o: !!python/object/apply:collections.OrderedDict\n- - - a\n    - 1\n"
        "n: !!python/object:argparse.Namespace\n  a: 1\n",
        "decoder:\n  _target_: nemo.collections.asr.modules.ConvASRDecoder\n",
    ],
)
def test_ordinary_yaml_stays_clean(tmp_path: Path, text: str) -> None:
    assert _scan_folder(tmp_path, "hyperparams.yaml", text) is Verdict.CLEAN


def test_interpolated_nemo_target_is_not_clean() -> None:
    config = CONFIG + (
        f"extra:\n  _target_: nemo.core.classes.modelPT.${{x}}\n  _args_: ['{MARK}']\n"
    )
    config += "x: os.system\n"
    report = scan_bytes(nemo(config), "asr.nemo")
    assert report.verdict is not Verdict.CLEAN, report.findings


def test_interpolated_nemo_model_class_is_not_clean() -> None:
    config = CONFIG.replace(
        "target: nemo.collections.asr.models.ctc_models.EncDecCTCModel",
        "target: ${x}\nx: os.system",
    )
    report = scan_bytes(nemo(config), "asr.nemo")
    assert report.verdict is not Verdict.CLEAN, report.findings
