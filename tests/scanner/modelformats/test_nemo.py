"""NeMo `.nemo` archives: the Hydra `_target_`s of model_config.yaml, and the checkpoint."""

from __future__ import annotations

import gzip

import pytest

from tests.fixtures.archives import BENIGN, P2_PAYLOAD, make_tar, scan_bytes, torch_like_zip
from weightscan.scanner import Verdict

# The shape NeMo writes for an ASR model (abridged).
CONFIG = """\
sample_rate: 16000
labels: [' ', a, b, c]
train_ds:
  manifest_filepath: null
  batch_size: 32
preprocessor:
  _target_: nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor
  sample_rate: 16000
  window_size: 0.025
encoder:
  _target_: nemo.collections.asr.modules.ConformerEncoder
  feat_in: 80
  n_layers: 2
decoder:
  _target_: nemo.collections.asr.modules.ConvASRDecoder
  feat_in: 176
  num_classes: 4
optim:
  name: adamw
  lr: 2.0
  sched:
    name: NoamAnnealing
spec_augment: &aug
  _target_: nemo.collections.asr.modules.SpectrogramAugmentation
  freq_masks: 2
again: *aug
target: nemo.collections.asr.models.ctc_models.EncDecCTCModel
nemo_version: 1.20.0
"""


def nemo(config: str, ckpt: bytes | None = None, *, prefix: str = "./") -> bytes:
    return make_tar(
        [
            (f"{prefix}model_config.yaml", config.encode()),
            (f"{prefix}model_weights.ckpt", ckpt or torch_like_zip(BENIGN)),
            (f"{prefix}tokenizer.vocab", b"a\nb\nc\n"),
        ]
    )


def with_target(target: str) -> str:
    return CONFIG + f"extra:\n  _target_: {target}\n  cmd: touch /tmp/weightscan-test\n"


@pytest.mark.parametrize("prefix", ["./", ""])
def test_benign_nemo_archive_is_clean(prefix):
    report = scan_bytes(nemo(CONFIG, prefix=prefix), "asr.nemo")
    assert report.format == "nemo"
    assert report.verdict is Verdict.CLEAN, report.findings
    facts = report.summary["members"][f"{prefix}model_config.yaml"]["nemo_config"]
    assert facts["targets"] == 5  # four _target_s and the model class named by target


def test_gzipped_nemo_archive_is_analysed():
    report = scan_bytes(gzip.compress(nemo(with_target("os.system"))), "old.nemo")
    assert report.verdict is Verdict.MALICIOUS


@pytest.mark.parametrize(
    "target",
    ["os.system", "subprocess.Popen", "builtins.eval", "eval", "hydra.utils.call", "posix.system"],
)
def test_dangerous_targets_are_malicious(target):
    report = scan_bytes(nemo(with_target(target)), "m.nemo")
    assert report.verdict is Verdict.MALICIOUS
    finding = next(f for f in report.findings if f.rule_id == "nemo.target.dangerous")
    assert finding.evidence["target"] == target


@pytest.mark.parametrize(
    "target",
    ["my_company.models.Net", "torch.load", "nemo.core.ModelPT.restore_from", "functools.partial"],
)
def test_unknown_targets_are_suspicious(target):
    report = scan_bytes(nemo(with_target(target)), "m.nemo")
    assert report.verdict is Verdict.SUSPICIOUS, report.findings
    assert "nemo.target.unknown" in {f.rule_id for f in report.findings}


def test_malicious_checkpoint_is_found():
    report = scan_bytes(nemo(CONFIG, torch_like_zip(P2_PAYLOAD)), "m.nemo")
    assert report.verdict is Verdict.MALICIOUS
    assert any("model_weights.ckpt" in (f.location.member or "") for f in report.findings)


@pytest.mark.parametrize(
    "config",
    [
        "a: [1, 2\n",  # broken YAML
        "a: !!python/object/apply:os.system ['touch /tmp/x']\n",  # a tag the loader refuses
        "[" * 50_000 + "]" * 50_000,  # deep flow nesting (slow in PyYAML)
        "- " * 5_000 + "x\n",  # deep block nesting: deeper than the composer recursion
    ],
    ids=["broken", "python-tag", "deep-flow", "deep-block"],
)
def test_unreadable_configs_are_suspicious(config):
    report = scan_bytes(nemo(config), "m.nemo")
    assert report.verdict is Verdict.SUSPICIOUS, report.findings
    assert "nemo.config-invalid" in {f.rule_id for f in report.findings}


def test_alias_bomb_is_cheap():
    lines = ["a0: &a0 {_target_: nemo.collections.asr.modules.ConformerEncoder}"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 30)]
    report = scan_bytes(nemo("\n".join(lines) + "\n"), "m.nemo")
    assert report.verdict is Verdict.CLEAN
    assert report.duration_seconds < 2
