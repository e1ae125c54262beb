"""Personal tests: the hashing embedder (search), fresh per-process caches, a fixed recent catalogue."""

from __future__ import annotations

import pytest

from paperfeed.personal import services
from paperfeed.search.keyword.fts5 import forget_stats
from paperfeed.search.vectors import reset_live_indexes


@pytest.fixture(autouse=True)
def fresh_personal(settings):
    """Search with the tiny hashing embedder; For-you pools rebuilt on every request."""
    settings.EMBEDDER = "paperfeed.search.embedding.hashing.HashingEmbedder"
    settings.EMBEDDING_MODEL = "hashing-256"
    settings.SEARCH_REFRESH_SECONDS = 0
    settings.PERSONAL_POOL_SECONDS = 0
    reset_live_indexes()
    forget_stats()
    services.reset_caches()
    yield
    services.reset_caches()
    reset_live_indexes()
    forget_stats()
