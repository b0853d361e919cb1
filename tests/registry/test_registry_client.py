"""The registry client against the fake hub: revisions, paginated listings, gated repos."""

from __future__ import annotations

import hashlib

import pytest

from tests.registry.fake_registry import FakeRepo, git_blob_oid
from weightscan.core.fetch import FetchRefused
from weightscan.core.registry import (
    RegistryClient,
    RegistryError,
    RepoFile,
    SourceError,
    next_link,
    normalise_source,
    select_files,
)


def _files(n: int) -> dict[str, bytes]:
    files = {f"shards/model-{i:03d}.safetensors": b"weights %d" % i for i in range(n)}
    files["README.md"] = b"# hello"
    files["config.json"] = b"{}"
    return files


def test_resolve_and_list_with_pagination(registry, policy):
    files = _files(20)
    repo = registry.add_repo(
        FakeRepo(
            "org/big",
            files=files,
            lfs={p for p in files if p.endswith(".safetensors")},
            branches={"main": "a" * 40, "v1": "b" * 40},
        )
    )
    client = RegistryClient(registry.endpoint, policy)
    assert client.resolve_revision("org/big", "model", "v1") == "b" * 40
    assert client.resolve_revision("org/big", "model", "a" * 40) == "a" * 40
    listing = client.list_files("org/big", "model", repo.branches["main"])
    tree_calls = [e for e in registry.hub.requests() if "/tree/" in e.path]
    assert len(tree_calls) == 4  # 23 entries (1 directory) in pages of 7
    assert len(listing) == 22
    by_path = {f.path: f for f in listing}
    shard = by_path["shards/model-007.safetensors"]
    assert shard.sha256 == hashlib.sha256(b"weights 7").hexdigest()
    assert shard.size == len(b"weights 7")
    assert shard.git_oid is None
    assert by_path["config.json"].sha256 is None
    assert by_path["config.json"].git_oid == git_blob_oid(b"{}")


@pytest.mark.parametrize("status", [401, 403])
def test_gated_repository(registry, policy, status):
    registry.add_repo(FakeRepo("org/gated", files={"a.bin": b"x"}, gated=status))
    client = RegistryClient(registry.endpoint, policy.replace(token=""))
    with pytest.raises(RegistryError) as info:
        client.resolve_revision("org/gated", "model", "main")
    assert info.value.kind == "gated"
    assert info.value.status == status
    # with the right token it opens
    authorised = RegistryClient(registry.endpoint, policy)
    assert len(authorised.resolve_revision("org/gated", "model", "main")) == 40


def test_missing_revision_and_repository(registry, policy):
    registry.add_repo(FakeRepo("org/small", files={"a.bin": b"x"}))
    client = RegistryClient(registry.endpoint, policy)
    for repo, rev in (("org/small", "nope"), ("org/absent", "main")):
        with pytest.raises(RegistryError) as info:
            client.resolve_revision(repo, "model", rev)
        assert info.value.kind == "not_found"


def test_registry_endpoint_is_still_guarded(registry, policy):
    client = RegistryClient("http://127.0.0.3:9", policy)
    with pytest.raises(FetchRefused):
        client.resolve_revision("org/x", "model", "main")


def test_file_url_shapes():
    client = RegistryClient("https://huggingface.co/", policy=None)  # type: ignore[arg-type]
    assert (
        client.file_url("o/r", "model", "c" * 40, "a b/c.bin")
        == f"https://huggingface.co/o/r/resolve/{'c' * 40}/a%20b/c.bin"
    )
    assert client.file_url("o/r", "dataset", "c" * 40, "x").startswith(
        "https://huggingface.co/datasets/o/r/resolve/"
    )


def test_select_files_by_globs():
    files = [
        RepoFile(p, 1, None, None)
        for p in (
            "model.safetensors",
            "sub/pytorch_model.bin",
            "README.md",
            "tokenizer_config.json",
            "Model.PT",
            "notes.txt",
        )
    ]
    picked = [
        f.path
        for f in select_files(files, ("*.safetensors", "*.bin", "*.pt", "tokenizer_config.json"))
    ]
    assert picked == [
        "Model.PT",
        "model.safetensors",
        "sub/pytorch_model.bin",
        "tokenizer_config.json",
    ]
    assert [f.path for f in select_files(files, ("sub/*",))] == ["sub/pytorch_model.bin"]


def test_link_header_parsing():
    assert next_link('<https://h/api?cursor=2>; rel="next"') == "https://h/api?cursor=2"
    assert next_link('<https://h/1>; rel="prev", <https://h/3>; rel=next') == "https://h/3"
    assert next_link("") is None


@pytest.mark.parametrize(
    "source",
    [
        {"type": "huggingface", "repo": "../etc"},
        {"type": "huggingface", "repo": "org/x", "repo_type": "kernel"},
        {"type": "huggingface", "repo": "org/x", "revision": "a..b"},
        {"type": "huggingface", "repo": "org/x", "paths": "*.bin"},
        {"type": "url"},
        {"type": "url", "urls": []},
        {"type": "ftp", "url": "x"},
    ],
)
def test_malformed_sources(source):
    with pytest.raises(SourceError):
        normalise_source(source)


def test_source_normalisation_keeps_the_token_out(policy):
    public, token = normalise_source({"repo": "org/x", "token": "hf_secret", "paths": ["*.bin"]})
    assert token == "hf_secret"
    assert "token" not in public
    assert public == {
        "type": "huggingface",
        "repo": "org/x",
        "repo_type": "model",
        "revision": "main",
        "paths": ["*.bin"],
    }
    with pytest.raises(FetchRefused):
        normalise_source({"type": "url", "url": "http://169.254.169.254/"}, policy)
