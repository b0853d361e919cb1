"""``hf://`` scans skip documentation and media by suffix; a config can still name them.

``pytorch_model.bin.index.json`` maps every weight to a shard file, and transformers
downloads and ``torch.load``s whatever names it lists, whatever their suffix. A malicious
pickle named ``shard.png`` or ``README.md`` (protocol-0 pickles are text) was never
fetched ("no model loader reads this kind of file", covered), so the scan came out clean.
"""

from __future__ import annotations

import json

import pytest

from tests.registry.fake_registry import FakeRepo
from tests.registry.samples import MALICIOUS_PICKLE, safetensors
from tests.registry.test_cli_hub import hub_env, scan  # noqa: F401  (fixture)

BASE = "hf://org/sharded@" + "1" * 40 + "/"


@pytest.mark.parametrize("shard", ["weights/shard-00001.png", "README.md"])
def test_a_shard_named_by_the_index_is_scanned(registry, hub_env, capsys, shard):  # noqa: F811
    index = {"metadata": {"total_size": 8}, "weight_map": {"a.weight": shard}}
    registry.add_repo(
        FakeRepo(
            "org/sharded",
            files={
                "config.json": json.dumps({"model_type": "bert"}).encode(),
                "pytorch_model.bin.index.json": json.dumps(index).encode(),
                shard: MALICIOUS_PICKLE,
                "model.safetensors": safetensors(1),
                "docs/notes.md": b"# notes\n",
            },
            lfs={shard},
            branches={"main": "1" * 40},
        )
    )
    code, doc, _ = scan(capsys, "hf://org/sharded")
    verdicts = {f["path"].removeprefix(BASE): f["verdict"] for f in doc["files"]}
    assert verdicts.get(shard) == "malicious", verdicts
    assert code == 1
    skipped = {s["path"].removeprefix(BASE) for s in doc["skipped"]}
    assert skipped == {"docs/notes.md"}


def test_an_index_padded_past_the_config_cap_still_has_its_shard_scanned(
    registry,
    hub_env,  # noqa: F811
    capsys,
    monkeypatch,
):
    """Only the first ``MAX_CONFIG_BYTES`` were searched as raw text: an index padded
    past them (json.loads reads any size) hid the shard it names."""
    from weightscan.core import config_refs

    monkeypatch.setattr(config_refs, "MAX_CONFIG_BYTES", 4096)
    index = json.dumps({"weight_map": {"a.weight": "shard.png"}}).encode()
    registry.add_repo(
        FakeRepo(
            "org/sharded",
            files={
                "pytorch_model.bin.index.json": b" " * 5000 + index,
                "shard.png": MALICIOUS_PICKLE,
                "model.safetensors": safetensors(1),
            },
            branches={"main": "1" * 40},
        )
    )
    code, doc, _ = scan(capsys, "hf://org/sharded")
    verdicts = {f["path"].removeprefix(BASE): f["verdict"] for f in doc["files"]}
    assert verdicts.get("shard.png") == "malicious", verdicts
    assert code == 1
