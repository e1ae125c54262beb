"""The hybrid retrieval core shared by the site, ``paperfeed eval`` and bench/search.py.

Django-model free: it talks to a keyword index and a vector index through their interfaces only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Mapping
from typing import Protocol

import numpy as np

from . import fusion, proximity
from . import metrics_stages as stage
from .embedding.base import Embedder
from .keyword.base import KeywordIndex

CANDIDATES = 100
MIN_SIMILARITY = 0.2  # semantic-only hits below this cosine are noise, not results
# When no paper has any query word, the semantic neighbours alone must clear a higher floor:
# nonsense ("qwertyuiopasdf zxcvb") reaches 0.31 on the demo catalogue with all-MiniLM-L6-v2,
# while real topics reach 0.40-0.55 (measured on the demo's 3,983 papers).
NO_KEYWORD_MIN_SIMILARITY = 0.35


@dataclasses.dataclass
class Candidates:
    """What both retrievers found for one query.

    ``keyword``/``semantic`` are each retriever's own top lists; ``keyword_full``/``semantic_full``
    re-score the union of both with both signals (BM25 of the semantic finds, cosine of the
    keyword finds), which is what our fusion uses.
    """

    keyword: list[tuple[int, float]]
    semantic: list[tuple[int, float]]
    keyword_full: list[tuple[int, float]]
    semantic_full: list[tuple[int, float]]


class NearestVectors(Protocol):
    """What retrieval needs of a vector index (``VectorIndex``, the live indexes, pgvector)."""

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (ids, cosine scores) of the ``k`` nearest rows, best first."""
        ...

    def vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        """Return the stored vectors of those ``ids`` that are in the index."""
        ...


def _by_score(scores: dict[int, float]) -> list[tuple[int, float]]:
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def retrieve(query: str, *, keyword_index: KeywordIndex, embedder: Embedder | None,
             vectors: NearestVectors | None = None, depth: int = CANDIDATES, where_sql: str = "", where_params: tuple = (),
             allowed: Callable[[list[int]], set[int]] | None = None, overfetch: float = 5,
             min_similarity: float = MIN_SIMILARITY) -> Candidates:
    """Return both retrievers' candidates for one query, and the union re-scored by both.

    Shared by the site and ``paperfeed eval`` so both measure the same code. Without an embedder
    or vectors the search is keyword-only. ``allowed`` drops semantic candidates outside the
    filters (the vector index itself is unfiltered) from the ``overfetch`` × ``depth`` nearest. The relevance floor: semantic-only hits need
    ``min_similarity``, or ``NO_KEYWORD_MIN_SIMILARITY`` when no paper has any query word.
    """
    with stage.KEYWORD.time():
        keyword = keyword_index.search(query, limit=depth, where_sql=where_sql, where_params=where_params)
    if embedder is None or vectors is None:
        return Candidates(keyword, [], keyword, [])
    with stage.EMBED.time():
        qvec = embedder.embed([query[:2000]])[0]
    with stage.VECTOR.time():
        semantic = _semantic(vectors, qvec, keyword, depth=depth, allowed=allowed, overfetch=overfetch,
                             min_similarity=min_similarity)
    with stage.RESCORE.time():
        kw_scores, sem_scores = dict(keyword), dict(semantic)
        kw_scores.update(keyword_index.score(query, [d for d in sem_scores if d not in kw_scores]))
        for doc, vec in vectors.vectors([d for d in kw_scores if d not in sem_scores]).items():
            sem_scores[doc] = float(np.asarray(vec, dtype=np.float32) @ qvec)
    return Candidates(keyword, semantic, _by_score(kw_scores), _by_score(sem_scores))


def _semantic(vectors: NearestVectors, qvec: np.ndarray, keyword: list[tuple[int, float]], *, depth: int,
              allowed: Callable[[list[int]], set[int]] | None, overfetch: float,
              min_similarity: float) -> list[tuple[int, float]]:
    """The vector index's top list, above the relevance floor and inside the filters."""
    ids, scores = vectors.search(qvec, int(depth * max(overfetch, 1)) if allowed else depth)
    keyword_ids = {d for d, _ in keyword}
    floor = min_similarity if keyword else max(min_similarity, NO_KEYWORD_MIN_SIMILARITY)
    semantic = [(int(i), float(s)) for i, s in zip(ids, scores) if s >= floor or int(i) in keyword_ids]
    if allowed is not None and semantic:
        ok = allowed([d for d, _ in semantic])
        semantic = [(d, s) for d, s in semantic if d in ok]
    return semantic[:depth]


def rank(found: Candidates, query: str, *,
         texts: Callable[[list[Hashable]], Mapping[Hashable, str]] | None = None) -> list[fusion.Fused]:
    """Fuse both retrievers' re-scored lists, then re-rank the head by term proximity.

    ``texts(ids)`` returns the title-and-abstract text of those docs (omit it to skip proximity).
    The site, ``paperfeed eval`` and bench/search.py all rank through here.
    """
    with stage.FUSE.time():
        fused = fusion.fuse(found.keyword_full, found.semantic_full, query=query)
        ids = proximity.head_ids(fused, query) if texts is not None else []
        return proximity.rerank(fused, query, texts(ids)) if ids else fused
