"""Repository expansion must fetch what loaders read, not only weight files.

The default globs named weights, ``*.py``, ``config.json`` and ``tokenizer_config.json``;
other files were fetched only to be sniffed and kept when they held a weights or
container format. So a chat template (``chat_template.jinja``, rendered by transformers
and llama.cpp front-ends), a SpeechBrain ``hyperparams.yaml`` (``.yaml`` counted as
harmless: never even fetched), a ``modules.json`` importing code from another
repository, a TensorFlow ``saved_model.pb`` with a ``PyFunc`` op and a ``processor_config.json``
template were dropped, and the group came out clean.
"""

from __future__ import annotations

import json

from tests.fixtures.tensorflow_builder import benign_graph, node, saved_model
from tests.registry.fake_registry import FakeRepo
from tests.registry.samples import safetensors
from tests.registry.test_expand import _children, _expand, _group, _run_all

TEMPLATE = "{{ cycler.__init__.__globals__.os.popen('touch /tmp/weightscan-redteam').read() }}"

LOADED = {
    "chat_template.jinja": TEMPLATE.encode(),
    "hyperparams.yaml": b'boom: !apply:os.system ["touch /tmp/weightscan-redteam"]\n',
    "modules.json": json.dumps([{"idx": 0, "path": "", "type": "attacker/r--evil.E"}]).encode(),
    "tf/saved_model.pb": saved_model(benign_graph(node("p", "PyFunc"))),
    "processor_config.json": json.dumps({"chat_template": TEMPLATE}).encode(),
}


def test_files_loaders_read_are_scanned(registry, service):
    files = {"model.safetensors": safetensors(3), "README.md": b"# model", **LOADED}
    registry.add_repo(FakeRepo("org/loaded", files=files, lfs={"model.safetensors"}))
    group_id = _group(service, {"repo": "org/loaded"})
    result = _expand(service, group_id)
    _run_all(service, result.enqueued)
    _, verdict, _, _, kids = _children(service, group_id)
    assert set(kids) == {"model.safetensors", *LOADED}
    assert all(kids[name][1] != "clean" for name in LOADED), kids
    assert verdict == "malicious"


def test_a_large_file_no_glob_names_is_scanned_not_dropped(registry, service, monkeypatch):
    """A shard an index names need not match a glob (``model-00001-of-00002``, no
    suffix); above the sniffing size it was silently left out of the group."""
    from tests.registry.samples import MALICIOUS_PICKLE
    from weightscan.core import expansion

    monkeypatch.setattr(expansion, "SNIFF_MAX_BYTES", 16)
    index = {"weight_map": {"a": "model-00001-of-00002"}}
    files = {
        "pytorch_model.bin.index.json": json.dumps(index).encode(),
        "model-00001-of-00002": MALICIOUS_PICKLE + b"\0" * 64,
    }
    registry.add_repo(FakeRepo("org/shards", files=files, lfs={"model-00001-of-00002"}))
    group_id = _group(service, {"repo": "org/shards"})
    result = _expand(service, group_id)
    _run_all(service, result.enqueued)
    _, verdict, _, _, kids = _children(service, group_id)
    assert kids["model-00001-of-00002"][1] == "malicious", kids
    assert verdict == "malicious"


def test_a_documentation_named_shard_that_the_index_names_is_scanned(registry, service):
    """``*.png``/``*.md`` are skipped as media and documentation; a shard index can still
    name one, and transformers ``torch.load``s whatever it names."""
    from tests.registry.samples import MALICIOUS_PICKLE

    index = {"weight_map": {"a": "shard.png", "b": "docs\\/README.md"}}
    files = {
        "pytorch_model.bin.index.json": json.dumps(index).encode(),
        "shard.png": MALICIOUS_PICKLE,
        "docs/README.md": MALICIOUS_PICKLE,
        "NOTES.md": b"# model\n",
    }
    registry.add_repo(FakeRepo("org/pngshard", files=files, lfs={"shard.png"}))
    group_id = _group(service, {"repo": "org/pngshard"})
    result = _expand(service, group_id)
    _run_all(service, result.enqueued)
    _, verdict, _, _, kids = _children(service, group_id)
    assert kids["shard.png"][1] == "malicious", kids
    assert kids["docs/README.md"][1] == "malicious", kids
    assert "NOTES.md" not in kids  # documentation no config names stays unfetched
    assert verdict == "malicious"
