"""Search tests run with the tiny hashing embedder and an always-fresh live vector index."""

from __future__ import annotations

import pytest

from paperfeed import settings as configured
from paperfeed.search.keyword.fts5 import forget_stats
from paperfeed.search.vectors import reset_live_indexes


@pytest.fixture(autouse=True)
def hashing_embedder(settings):
    """Unit tests use the deterministic hashing embedder, never the real model."""
    settings.EMBEDDER = "paperfeed.search.embedding.hashing.HashingEmbedder"
    settings.EMBEDDING_MODEL = "hashing-256"
    settings.SEARCH_REFRESH_SECONDS = 0
    reset_live_indexes()
    forget_stats()
    yield
    reset_live_indexes()
    forget_stats()


@pytest.fixture
def shared_cache(settings, tmp_path):
    """The search cache every worker of the machine sees, as the settings make it (diskcache in a folder)."""
    settings.CACHES = {**settings.CACHES, "search": {**configured.CACHES["search"], "LOCATION": str(tmp_path / "shared")}}
