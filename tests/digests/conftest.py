"""Digest test fixtures: a clean rate-limit cache and a deterministic candidate source."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.digests.helpers import SOURCE


@pytest.fixture(autouse=True)
def _digest_settings(settings):
    cache.clear()
    settings.DIGEST_CANDIDATES_FUNCTION = SOURCE
    settings.SITE_URL = "https://papers.example.org"
    settings.DEFAULT_FROM_EMAIL = "paperfeed <papers@example.org>"
    settings.DIGEST_UNSUBSCRIBE_MAILTO = "unsubscribe@example.org"
    yield
    cache.clear()
