"""NeMo configs whose Hydra target walks a dotted path through a module object.

Hydra's ``_locate`` resolves ``a.b.c`` by importing ``a`` and then ``getattr`` step by step,
so ``torch.utils.data.dataloader.os.system`` is ``os.system`` (dataloader.py imports os).
The path starts with a vetted prefix, so it scanned clean; ``instantiate`` then calls it
with the config's ``_args_``. The model class named by ``target`` was never checked.
"""

from __future__ import annotations

import pytest

from tests.fixtures.archives import scan_bytes
from tests.scanner.modelformats.test_nemo import CONFIG, nemo
from weightscan.scanner import Verdict

WALKS = [
    "torch.utils.data.dataloader.os.system",
    "torch.nn.parallel.distributed.os.system",
    "torch.utils.data.datapipes.datapipe.pickle.loads",
    "torch.nn.modules.module.torch.package.PackageImporter",
    "torch.nn.modules.module.torch.utils.cpp_extension.load_inline",
    "nemo.core.classes.common.hydra.utils.call",
]


@pytest.mark.parametrize("target", WALKS)
def test_target_walking_through_a_module_is_malicious(target: str) -> None:
    config = CONFIG + (
        f"extra:\n  _target_: {target}\n  _args_: ['touch /tmp/weightscan-redteam-nemo']\n"
    )
    report = scan_bytes(nemo(config), "asr.nemo")
    assert report.verdict is Verdict.MALICIOUS, report.findings


def test_model_class_key_is_checked() -> None:
    config = CONFIG.replace(
        "target: nemo.collections.asr.models.ctc_models.EncDecCTCModel",
        "target: torch.utils.data.dataloader.os.system",
    )
    report = scan_bytes(nemo(config), "asr.nemo")
    assert report.verdict is Verdict.MALICIOUS, report.findings


def test_real_nemo_paths_stay_clean() -> None:
    config = CONFIG + (
        "dataset:\n  _target_: nemo.collections.tts.torch.data.TTSDataset\n"
        "  cls: nemo.collections.asr.modules.ConvASRDecoder\n"
    )
    report = scan_bytes(nemo(config), "asr.nemo")
    assert report.verdict is Verdict.CLEAN, report.findings
