"""Search tests run with the tiny hashing embedder and an always-fresh live vector index."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def hashing_embedder(settings):
    """Unit tests use the deterministic hashing embedder, never the real model."""
    from paperfeed.search import keyword
    from paperfeed.search.vectors import reset_live_indexes

    settings.EMBEDDER = "paperfeed.search.embedders.HashingEmbedder"
    settings.EMBEDDING_MODEL = "hashing-256"
    settings.SEARCH_REFRESH_SECONDS = 0
    reset_live_indexes()
    keyword._stats.clear()
    yield
    reset_live_indexes()
    keyword._stats.clear()
