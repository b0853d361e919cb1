"""Upload through the form, watch the verdict appear, open a finding -- in a real browser."""

from __future__ import annotations

import re

import pytest

from tests.optional import require
from tests.web.conftest import clean_pickle, malicious_pickle

expect = require("playwright.sync_api").expect

pytestmark = pytest.mark.browser


def test_form_upload_shows_live_verdict_and_decompiled_finding(live_service, page, tmp_path):
    evil = tmp_path / "evil<b>.pkl"
    evil.write_bytes(malicious_pickle("touch /tmp/weightscan-browser-test"))
    page.goto(live_service.url + "/")
    page.set_input_files("#file-input", str(evil))
    expect(page.locator("#file-list li")).to_have_count(1)
    page.click("#upload-button")
    page.wait_for_url(re.compile(r".*/scans/scn_[0-9a-f]+$"))
    expect(page.locator("#verdict")).to_have_text("malicious", timeout=45_000)
    expect(page.locator("#scan-status")).to_have_text("done")
    # the name as sent, shown as text (escaped), not mangled
    assert page.locator("h1.filename").inner_text() == "evil<b>.pkl"

    row = page.locator("tr.finding").first
    expect(row.locator(".sev")).to_have_text("critical")
    code = row.locator("pre.code")
    expect(code).to_be_visible()  # malicious: the evidence is shown unfolded
    expect(code).to_contain_text("os.system('touch /tmp/weightscan-browser-test')")
    expect(page.locator("details.summary dl.meta").first).to_be_hidden()  # metadata folded
    row.locator("details.finding-detail summary").click()
    expect(code).to_be_hidden()
    assert page.csp_errors == []


def test_drag_and_drop_several_files_make_one_group(live_service, page):
    page.goto(live_service.url + "/")
    page.evaluate(
        """([a, b]) => {
            const dt = new DataTransfer();
            dt.items.add(new File([new Uint8Array(a)], "one.pkl"));
            dt.items.add(new File([new Uint8Array(b)], "two.pkl"));
            const zone = document.getElementById("drop-zone");
            zone.dispatchEvent(new DragEvent("dragenter", {dataTransfer: dt, bubbles: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true}));
        }""",
        [list(clean_pickle()), list(clean_pickle() + b"\n")],
    )
    expect(page.locator("#file-list li")).to_have_count(2)
    page.click("#upload-button")
    page.wait_for_url(re.compile(r".*/scans/scn_[0-9a-f]+$"))
    expect(page.locator("#verdict")).to_have_text(re.compile("clean|suspicious"), timeout=45_000)
    expect(page.locator("#files-table tbody tr")).to_have_count(2)
    assert page.csp_errors == []


def test_scan_list_filters(live_service, page):
    page.goto(live_service.url + "/scans")
    expect(page.locator("table.grid tbody tr").first).to_be_visible()
    page.select_option("select[name=verdict]", "malicious")
    page.click("form.filters button")
    page.wait_for_url(re.compile(r".*verdict=malicious.*"))
    rows = page.locator("table.grid tbody tr")
    expect(rows.first.locator(".verdict")).to_have_text("malicious")
    for text in rows.locator(".verdict").all_text_contents():
        assert text == "malicious"
    assert page.csp_errors == []


def test_upload_progress_bar_moves(live_service, page, tmp_path):
    big = tmp_path / "weights.bin"
    big.write_bytes(bytes(range(256)) * 2048)  # 512 KiB
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 256 * 1024},
    )  # ~2 s for this upload
    page.goto(live_service.url + "/")
    page.set_input_files("#file-input", str(big))
    page.click("#upload-button")
    bar = page.locator("#upload-progress")
    expect(bar).to_be_visible()
    page.wait_for_function(
        "() => { const b = document.getElementById('upload-progress');"
        " return b !== null && b.value > 0 && b.value < 100; }"
    )
    expect(page.locator("#upload-status")).to_contain_text("Uploading")
    page.wait_for_url(re.compile(r".*/scans/scn_[0-9a-f]+$"))
    assert page.csp_errors == []
