"""First-day browser tests: Debian's chromium through Playwright, a live server, a clean cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.browser import PASSWORD


@pytest.fixture(autouse=True)
def _fast_passwords_and_clean_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # argon2 is tested elsewhere
    settings.EMBEDDER = "paperfeed.search.embedding.hashing.HashingEmbedder"
    settings.EMBEDDING_MODEL = "hashing-256"
    settings.QUERY_EMBEDDER = "same"
    cache.clear()
    yield
    cache.clear()


def log_in(page, base: str, who: str, password: str = PASSWORD) -> None:
    """Log in through the form with a username or an email address."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", who)
    page.fill("input[name=password]", password)
    page.click("form.pf-form button[type=submit]")
    page.wait_for_load_state()
