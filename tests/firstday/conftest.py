"""First-day browser tests: Debian's chromium through Playwright, a live server, a clean cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.cache import cache

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
PASSWORD = "correct horse battery 42"


@pytest.fixture(autouse=True)
def _fast_passwords_and_clean_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # argon2 is tested elsewhere
    settings.EMBEDDER = "paperfeed.search.embedding.hashing.HashingEmbedder"
    settings.EMBEDDING_MODEL = "hashing-256"
    settings.QUERY_EMBEDDER = "same"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page():
    """A fresh chromium page (15 s default timeout)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context()
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def log_in(page, base: str, who: str, password: str = PASSWORD) -> None:
    """Log in through the form with a username or an email address."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", who)
    page.fill("input[name=password]", password)
    page.click("form.pf-form button[type=submit]")
    page.wait_for_load_state()
