"""Index lag: papers not yet in the keyword index, and papers without an embedding (for /metrics)."""

from __future__ import annotations

from paperfeed.catalog.models import Paper

from .embedding import get_embedder
from .keyword import get_keyword_index
from .models import PaperEmbedding


def index_lag() -> dict[str, int]:
    """``{"keyword": n, "vector": m}``: papers the keyword index has not caught up with, papers not embedded.

    Two plain counts (the paper table, and the embedding rows on their (model, id) index) rather
    than an anti-join: embeddings are unique per (paper, model) and go with their paper.
    """
    model = get_embedder().name
    embedded = PaperEmbedding.objects.filter(model=model).count()
    return {"keyword": get_keyword_index().unindexed(), "vector": max(0, Paper.objects.count() - embedded)}
