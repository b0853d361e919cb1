"""Repository expansion must stay bounded however the repository is shaped.

A submit-only caller (or a webhook) chooses the repository. Planning an expansion used
to (1) compare every unmatched file with every other (``f not in unmatched``, a list):
20,000 unmatched files took about a minute of worker CPU, 100,000 (the listing limit)
about twenty, before the group failed anyway for holding more than 2,000 candidates;
(2) read every JSON/YAML config before that count was checked; and (3) read every
config up to 16 MiB each with no total, keeping the text of unparsable ones in memory
and searching it once per documentation file.
"""

from __future__ import annotations

from tests.registry.fake_registry import FakeRegistry, FakeRepo
from tests.registry.test_expand import _children, _expand, _group, _run_all


def _config_fetches(registry: FakeRegistry, names: set[str]) -> int:
    return sum(1 for e in registry.log if e.path.rsplit("/", 1)[-1] in names)


def test_many_unmatched_files_fail_fast_without_reading_configs(registry, service):
    registry.page_size = 1000
    files = {f"blobs/f{i:05d}.part": b"\x80\x04K\x01." for i in range(15_000)}
    files["config.json"] = b'{"a": "notes.md"}'
    files["notes.md"] = b"# notes"
    registry.add_repo(FakeRepo("org/wide", files=files))
    group_id = _group(service, {"repo": "org/wide"})
    result = _expand(service, group_id)
    status, _, _, error, _ = _children(service, group_id)
    assert result.status == "failed"
    assert status == "failed"
    assert "candidate files" in (error or "")
    assert _config_fetches(registry, {"config.json"}) == 0  # counted before any download


def test_config_reading_for_names_has_a_total_budget(registry, service, monkeypatch):
    """Configs beyond the budget are not read for names; failing closed, the documentation
    they might name is scanned instead of silently left out."""
    from weightscan.core import expansion

    monkeypatch.setattr(expansion, "CONFIG_NAMING_BUDGET", 3000, raising=False)
    configs = {f"c{i:02d}.json": b"{" + b" " * 999 for i in range(20)}  # unparsable
    files = {**configs, "notes.md": b"# notes", "model.safetensors": b"x" * 8}
    registry.add_repo(FakeRepo("org/configs", files=files))
    group_id = _group(service, {"repo": "org/configs"})
    _expand(service, group_id)
    # each config is fetched once as a child; at most ~3 more while looking for names
    assert _config_fetches(registry, set(configs)) <= len(configs) + 4
    _, _, _, _, kids = _children(service, group_id)
    assert "notes.md" in kids  # could not be ruled out, so it is scanned


def test_an_index_padded_past_the_config_cap_still_has_its_shards_scanned(
    registry, service, monkeypatch
):
    """json.loads reads an index of any size; one padded past the cap was skipped while
    looking for names, so the pickle shard it names as ``shard.png`` was never fetched."""
    import json

    from tests.registry.samples import MALICIOUS_PICKLE
    from weightscan.core import config_refs

    monkeypatch.setattr(config_refs, "MAX_CONFIG_BYTES", 4096)
    index = json.dumps({"weight_map": {"a": "shard.png"}}).encode()
    files = {
        "pytorch_model.bin.index.json": b" " * 5000 + index,
        "shard.png": MALICIOUS_PICKLE,
        "model.safetensors": b"x" * 8,
    }
    registry.add_repo(FakeRepo("org/padded", files=files))
    group_id = _group(service, {"repo": "org/padded"})
    result = _expand(service, group_id)
    _run_all(service, result.enqueued)
    _, verdict, _, _, kids = _children(service, group_id)
    assert kids.get("shard.png", (None, None))[1] == "malicious", kids
    assert verdict == "malicious"


def test_a_repository_larger_than_the_group_budget_fails_before_any_download(registry, service):
    """2,000 files each just under the per-file cap were all downloaded and kept: one
    submission could fill the blob store's disk. The listed sizes are summed first."""
    service.with_settings(group_max_bytes=250)
    files = {f"w{i}.bin": bytes([i]) * 100 for i in range(3)}
    registry.add_repo(FakeRepo("org/big", files=files, lfs=set(files)))
    group_id = _group(service, {"repo": "org/big"})
    result = _expand(service, group_id)
    status, _, _, error, _ = _children(service, group_id)
    assert result.status == "failed"
    assert status == "failed"
    assert "GROUP_MAX_BYTES" in (error or "")
    assert registry.downloads() == []


def test_url_sources_stop_downloading_at_the_group_budget(registry, service):
    service.with_settings(group_max_bytes=250)
    files = {f"w{i}.bin": bytes([i]) * 100 for i in range(3)}
    registry.add_repo(FakeRepo("org/urls", files=files))
    urls = [f"{registry.endpoint}/org/urls/resolve/main/{name}" for name in sorted(files)]
    group_id = _group(service, {"type": "url", "urls": urls})
    result = _expand(service, group_id)
    _run_all(service, result.enqueued)
    _, verdict, _, _, kids = _children(service, group_id)
    assert kids["w2.bin"][1] == "error", kids  # not silently dropped: the group says so
    assert "GROUP_MAX_BYTES" in (kids["w2.bin"][3] or "")
    assert verdict == "error"


def test_a_large_config_is_searched_not_taken_as_naming_everything(registry, service, monkeypatch):
    """Past the parsing cap a config (a 34 MB tokenizer.json) is searched as text: the
    documentation it does not mention stays unfetched; past the search cap, it all counts
    as named (fail closed)."""
    from weightscan.core import config_refs

    monkeypatch.setattr(config_refs, "MAX_CONFIG_BYTES", 1024)
    files = {
        "tokenizer.json": b'{"vocab": "' + b"a" * 3000 + b'"}',
        "notes.md": b"# notes",
        "model.safetensors": b"x" * 8,
    }
    registry.add_repo(FakeRepo("org/tok", files=files))
    group_id = _group(service, {"repo": "org/tok"})
    _expand(service, group_id)
    assert "notes.md" not in _children(service, group_id)[4]

    monkeypatch.setattr(config_refs, "MAX_RAW_BYTES", 2048)
    group_id = _group(service, {"repo": "org/tok"})
    _expand(service, group_id)
    assert "notes.md" in _children(service, group_id)[4]
