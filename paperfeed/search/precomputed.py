"""Bundled precomputed embeddings for the demo data (float16, keyed by arXiv id).

``paperfeed/search/data/demo_embeddings.npz`` holds ``ids`` (arXiv ids), ``vectors`` (float16)
and ``model``; it is used only when the model name matches the configured embedder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from django.db import transaction

from paperfeed.catalog.models import Paper

from .models import PaperEmbedding

DEMO_EMBEDDINGS = Path(__file__).resolve().parent / "data" / "demo_embeddings.npz"


def load_precomputed(model: str, path: Path = DEMO_EMBEDDINGS, *, batch_size: int = 2000) -> int:
    """Store bundled embeddings for papers that have none yet; return how many were stored."""
    if not path.is_file():
        return 0
    with np.load(path, allow_pickle=False) as data:
        if str(data["model"]) != model:
            return 0
        ids = [str(i) for i in data["ids"]]
        vectors = data["vectors"].astype("<f2")
    row_of = {arxiv_id: row for row, arxiv_id in enumerate(ids)}
    missing = Paper.objects.filter(arxiv_id__in=list(row_of)).exclude(embeddings__model=model)
    pairs = list(missing.values_list("id", "arxiv_id"))
    stored = 0
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start : start + batch_size]
        with transaction.atomic():
            PaperEmbedding.objects.bulk_create(
                [PaperEmbedding(paper_id=pid, model=model, dim=vectors.shape[1], vector=vectors[row_of[aid]].tobytes())
                 for pid, aid in chunk],
                ignore_conflicts=True,
            )
        stored += len(chunk)
    return stored
