"""Debian's chromium through Playwright: the one way the browser tests start a browser."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test's thread; Django would refuse its ORM there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
PASSWORD = "correct horse battery 42"
# A busy 2-core CI machine is slow, not broken.
TIMEOUT_MS = 20_000

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")


@contextlib.contextmanager
def chromium() -> Iterator:
    """A headless chromium (``playwright.sync_api.Browser``), closed on exit."""
    from playwright.sync_api import sync_playwright  # only browser tests pay for Playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, **context_options):
    """A page in a fresh context (its own cookies) with the suite's default timeout."""
    context = browser.new_context(**context_options)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


@contextlib.contextmanager
def chromium_page(**context_options) -> Iterator:
    """One page in a fresh chromium; skips the test when chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    with chromium() as browser:
        yield new_page(browser, **context_options)
