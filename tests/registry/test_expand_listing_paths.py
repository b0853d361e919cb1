"""A file listing is the registry's word on what a repository holds; the service builds
each download URL from a listed path (``quote`` keeps ``/`` and ``.``). git cannot
store a path with ``.``/``..`` segments, an empty segment, a leading ``/`` or a
backslash, so a listing that names one is not describing a repository: followed, a
path ``../../team/private/resolve/main/w.bin`` addressed another repository's file,
with the server's registry token when the source may use it."""

from __future__ import annotations

import pytest

from tests.registry.fake_registry import FakeRepo
from tests.registry.test_expand import _children, _expand, _group


@pytest.mark.parametrize(
    "path",
    [
        "../../team/private/resolve/main/w.bin",
        "a/./w.bin",
        "a//w.bin",
        "/w.bin",
        "a/..",
    ],
)
def test_a_listing_with_an_unsafe_path_fails_the_group_unfetched(registry, service, path):
    registry.add_repo(FakeRepo("org/odd", files={path: b"\x80\x04K\x01.", "ok.bin": b"x"}))
    group_id = _group(service, {"repo": "org/odd"})
    result = _expand(service, group_id)
    status, _, _, error, kids = _children(service, group_id)
    assert result.status == "failed", kids
    assert status == "failed"
    assert "path" in (error or "")
    assert not [e.path for e in registry.log if "/resolve/" in e.path]
