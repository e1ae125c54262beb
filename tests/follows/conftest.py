"""Follows test fixtures: clean caches (rate-limit counters, the claimed-author map) around every test."""

from __future__ import annotations

import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _clean_cache():
    for alias in ("default", "ratelimits"):
        caches[alias].clear()
    yield
    for alias in ("default", "ratelimits"):
        caches[alias].clear()
