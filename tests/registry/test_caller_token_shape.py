"""A caller's registry ``token`` travels as an ``Authorization`` header value: one that no
header can carry (CR/LF, other control characters, characters outside Latin-1) made
``http.client`` raise ``ValueError`` past the fetch guard's error handling: a 500 at
submission, and an expansion task that crashed instead of failing the group. It must
be a clear 400 before anything is sent."""

from __future__ import annotations

import pytest

from tests.registry.fake_registry import FakeRepo
from tests.registry.samples import benign_pickle
from tests.registry.test_server_token import build_app, dispatched, new_token  # noqa: F401
from tests.security.live import serve


@pytest.mark.parametrize("token", ["hf_x\r\nX-Injected: 1", "hf_\u2603", "hf_\x00x", "hf_x\n"])
def test_a_token_no_header_can_carry_is_a_clear_400(
    tmp_path,
    registry,
    dispatched,  # noqa: F811
    token,
):
    app = build_app(tmp_path, registry, dispatched, allow_anonymous=False)
    registry.add_repo(FakeRepo("org/m", files={"w.bin": benign_pickle(1)}))
    submitter = new_token(app, ("submit", "read"))
    with serve(app) as live:
        reply = live.post_json(
            "/api/v1/scans",
            {"source": {"type": "huggingface", "repo": "org/m", "token": token}},
            headers={"Authorization": f"Bearer {submitter}"},
        )
    assert reply.status == 400, reply.body[:300]
    assert b"token" in reply.body
    assert dispatched == []
    assert not [e for e in registry.log if "x-injected" in {k.lower() for k in e.headers}]


@pytest.mark.parametrize(
    "source",
    [{"repo": "org/m\n"}, {"repo": "org/m", "revision": "main\n"}],
)
def test_a_repository_name_or_revision_ending_in_a_newline_is_refused(
    tmp_path,
    registry,
    dispatched,  # noqa: F811
    source,
):
    """``$`` also matches before a final newline, so ``org/m\\n`` was stored and listed."""
    app = build_app(tmp_path, registry, dispatched, allow_anonymous=False)
    submitter = new_token(app, ("submit", "read"))
    with serve(app) as live:
        reply = live.post_json(
            "/api/v1/scans",
            {"source": {"type": "huggingface", **source}},
            headers={"Authorization": f"Bearer {submitter}"},
        )
    assert reply.status == 400, reply.body[:300]
    assert dispatched == []
