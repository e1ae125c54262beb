"""Digest test fixtures: a clean cache (rate limits, trending) and the site's mail settings."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _digest_settings(settings):
    cache.clear()
    settings.SITE_URL = "https://papers.example.org"
    settings.DEFAULT_FROM_EMAIL = "paperfeed <papers@example.org>"
    settings.DIGEST_UNSUBSCRIBE_MAILTO = "unsubscribe@example.org"
    yield
    cache.clear()
