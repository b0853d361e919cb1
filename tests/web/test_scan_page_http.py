"""Issue 12 "Web pages", over real HTTP against a real worker: what a person sees on a
scan page."""

from __future__ import annotations

import html
import io
import pickle
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.security.live import LiveServer, multipart
from tests.web.conftest import malicious_pickle

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def live(live_service: Any) -> LiveServer:
    return LiveServer(int(live_service.url.rsplit(":", 1)[1]))


def submit(live: LiveServer, name: str, data: bytes, wait: int = 30) -> dict[str, Any]:
    body, ctype = multipart({}, {"file": (name, data)})
    reply = live.request(
        "POST", f"/api/v1/scans?wait={wait}", body=body, headers={"Content-Type": ctype}
    )
    assert reply.status in (200, 202), reply.body[:300]
    return reply.json()  # type: ignore[no-any-return]


def page(live: LiveServer, scan_id: str) -> str:
    reply = live.get(f"/scans/{scan_id}", headers={"Accept": "text/html"})
    assert reply.status == 200
    return reply.body.decode()


def torch_like_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("archive/data.pkl", malicious_pickle("echo page"))
        z.writestr("archive/version", "3\n")
    return out.getvalue()


def test_malicious_evidence_first_metadata_folded(live: LiveServer) -> None:
    scan = submit(live, "evil.pt", torch_like_zip())
    text = page(live, scan["id"])
    findings_at = text.index("<h3>Findings (")
    metadata_at = text.index("<summary>File metadata</summary>")
    assert findings_at < metadata_at
    assert re.search(r'<details class="finding-detail" open>', text)
    assert '<details class="summary">' in text  # folded
    # the member path breaks at its slashes, not mid-word
    assert "archive/<wbr>data.pkl" in text
    # zip member metadata is structured, not a JSON blob
    assert '<ol class="nested">' in text or '<dl class="meta nested">' in text
    assert "{&#34;" not in text
    assert "[{" not in text


def test_the_original_name_is_shown_escaped(live: LiveServer) -> None:
    scan = submit(live, "<b>x</b>.pkl", pickle.dumps({"n": 1}, protocol=4))
    text = page(live, scan["id"])
    assert "&lt;b&gt;x&lt;/b&gt;.pkl" in text
    assert "<b>x</b>" not in text


def test_a_pending_page_promises_nothing(live: LiveServer) -> None:
    scan = submit(live, "later.pkl", pickle.dumps({"later": 2.5}, protocol=4), wait=0)
    text = page(live, scan["id"]) if scan["status"] != "done" else ""
    if text:  # the worker may be quicker than this request
        assert "Findings (0)" not in text
        assert "report.sarif" not in text
        assert "Analysing" in text


def test_info_notes_are_not_counted_as_findings(live: LiveServer) -> None:
    from tests.security.samples import pickle_calling

    body, ctype = multipart(
        {"allow": "mylib.layers.Builder"},
        {"file": ("allowed.pkl", pickle_calling("mylib.layers", "Builder", "notes"))},
    )
    reply = live.request(
        "POST", "/api/v1/scans?wait=30", body=body, headers={"Content-Type": ctype}
    )
    scan = reply.json()
    assert scan["verdict"] == "clean"
    text = page(live, scan["id"])
    assert "Findings (0)" in text
    assert "Notes (1)" in text


def test_a_cached_scan_completes_after_it_was_created(live: LiveServer) -> None:
    data = pickle.dumps({"twice": 3}, protocol=4)
    submit(live, "a.pkl", data)
    again = submit(live, "a.pkl", data)
    assert again["cached"] is True
    assert again["completed_at"] >= again["created_at"]


def test_a_template_excerpt_is_shown_once_per_file(live: LiveServer) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.fixtures.gguf_builder import STRING, small_model

    template = (ROOT / "tests/fixtures/chat_templates/malicious/attr_filter.jinja").read_text()
    model = small_model()
    model.kv("tokenizer.chat_template", STRING, template)
    scan = submit(live, "tpl.gguf", model.build())
    assert scan["verdict"] == "malicious"
    text = page(live, scan["id"])
    excerpt = html.escape(template.strip().splitlines()[0][:30], quote=True)
    assert text.count(excerpt) <= 2, text.count(excerpt)  # once in the evidence (+ code)
    assert "(the same excerpt as above)" in text
