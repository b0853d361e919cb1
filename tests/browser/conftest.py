"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, against a live
server with a real Celery worker (``tests.web.conftest.live_service``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.optional import missing, require
from tests.web.conftest import live_service  # noqa: F401  (re-exported fixture)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        missing(f"chromium ({CHROMIUM})")
    sync_playwright = require("playwright.sync_api").sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.csp_errors = []
    pg.on(
        "console",
        lambda m: pg.csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield pg
    context.close()
