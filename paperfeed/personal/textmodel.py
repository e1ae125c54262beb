"""The text model under the personal ranker: a pool of candidate papers and its tf-idf space (pure).

No database, no clock, no settings. The expensive part — vectorising the candidates — happens
once per pool; topic vectors and category masks are cached in the pool (topics repeat across
users), so ranking for one user is a handful of sparse products over the pool.

Topic matching is tf-idf over title + abstract (unigrams and bigrams of the search analyser's
stems). A topic "matches" a paper when the paper contains most of the topic's idf weight
(``coverage``); among matches, tf-idf cosine orders them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from paperfeed.search.text import STOPWORDS, stem, words

if TYPE_CHECKING:  # scipy and scikit-learn take seconds to import: only ranking pays for them
    from scipy import sparse

TOPIC_MATCH_COVERAGE = 0.6  # share of a topic's idf² mass a paper must contain to "match" it


@dataclasses.dataclass(frozen=True, slots=True)
class Candidate:
    """A paper the ranker may recommend, with its trending score (best first in a pool)."""

    paper_id: int
    title: str
    text: str  # title and abstract: what topics match against
    categories: tuple[str, ...] = ()
    score: float = 0.0  # trending score, higher is better
    reason: str = ""  # e.g. "trending: 40 votes"
    published_at: dt.datetime | None = None
    authors: tuple[str, ...] = ()  # author keys (catalog.authors.author_key), for follows and "not interested"
    people: tuple[int, ...] = ()  # user ids tied to the paper (its picker): for followed users and labs


def analyze(text: str) -> list[str]:
    """Tokens of ``text``: the search analyser's stems of its non-stop words, plus adjacent bigrams."""
    stems = [stem(w) for w in words(text) if w not in STOPWORDS]
    return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:])]


class CandidatePool:
    """The period's candidates with their tf-idf matrix; caches per-topic and per-filter results."""

    def __init__(self, candidates: Sequence[Candidate]):
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.candidates = list(candidates)
        n = len(self.candidates)
        self.ids = np.array([c.paper_id for c in self.candidates], dtype=np.int64)
        self.index = {c.paper_id: i for i, c in enumerate(self.candidates)}
        # Trending as rank, scaled to [0, 1): candidates may come from several windows whose raw
        # scores are not comparable; their order (best first) is what the ranking promises.
        self.base = 1.0 - np.arange(n, dtype=np.float64) / max(n, 1)
        self._topic_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._strength_cache: dict[str, np.ndarray] = {}
        self._future_cache: dict[dt.datetime, np.ndarray | None] = {}
        self.published = np.array(
            [c.published_at.timestamp() if c.published_at else -np.inf for c in self.candidates], dtype=np.float64
        )
        self._filter_cache: dict[tuple[tuple[str, ...], tuple[str, ...]], np.ndarray] = {}
        self._by_author: dict[str, list[int]] | None = None
        self.memo: dict[tuple, object] = {}  # the ranker's per-pool caches (e.g. several topics combined)
        self.vectorizer = None
        self.matrix = sparse.csr_matrix((n, 0))
        if n:
            self.vectorizer = TfidfVectorizer(analyzer=analyze, sublinear_tf=True, dtype=np.float32)
            try:
                self.matrix = self.vectorizer.fit_transform([c.text for c in self.candidates]).tocsr()
            except ValueError:  # only empty texts: no vocabulary, topics match nothing
                self.vectorizer = None
            else:
                self.presence = self.matrix.copy()
                self.presence.data[:] = 1.0
                self.idf2 = (self.vectorizer.idf_**2).astype(np.float32)

    def __len__(self) -> int:
        return len(self.candidates)

    def author_rows(self, keys: Iterable[str]) -> list[int]:
        """Indexes of the candidates with any of the author ``keys``."""
        if self._by_author is None:
            self._by_author = {}
            for i, c in enumerate(self.candidates):
                for key in c.authors:
                    self._by_author.setdefault(key, []).append(i)
        return sorted({i for key in keys for i in self._by_author.get(key, ())})

    def people_rows(self, user_ids: Iterable[int]) -> list[int]:
        """Indexes of the candidates tied to any of ``user_ids`` (e.g. picked by them)."""
        wanted = set(user_ids)
        return [i for i, c in enumerate(self.candidates) if wanted.intersection(c.people)] if wanted else []

    def vectorize(self, texts: Iterable[str]) -> sparse.csr_matrix:
        """tf-idf rows for ``texts`` in this pool's space (e.g. to build a user profile)."""
        from scipy import sparse

        texts = list(texts)
        if self.vectorizer is None or not texts:
            return sparse.csr_matrix((len(texts), self.matrix.shape[1]), dtype=np.float32)
        return self.vectorizer.transform(texts).tocsr()

    def prime_topics(self, topics: Iterable[str]) -> None:
        """Compute and cache many topics at once (one batched transform instead of one per topic)."""
        todo = sorted({t for t in topics if t not in self._topic_cache})
        if not todo or self.vectorizer is None:
            for t in todo:
                self._topic_cache[t] = (np.zeros(len(self)), np.zeros(len(self)))
            return
        q = self.vectorizer.transform(todo).tocsr()
        binary = q.copy()
        binary.data[:] = 1.0
        weight = binary.multiply(self.idf2[np.newaxis, :]).tocsr()
        total = np.asarray(weight.sum(axis=1)).ravel()
        cover = (weight @ self.presence.T).toarray() / np.where(total > 0, total, 1.0)[:, None]
        cosine = (q @ self.matrix.T).toarray()
        for i, t in enumerate(todo):
            self._topic_cache[t] = (cover[i], cosine[i])

    def topic_scores(self, topic: str) -> tuple[np.ndarray, np.ndarray]:
        """(coverage, cosine) of ``topic`` against every candidate, cached."""
        if topic not in self._topic_cache:
            self.prime_topics([topic])
        return self._topic_cache[topic]

    def topic_strength(self, topic: str) -> np.ndarray:
        """Per candidate: 0 when ``topic`` does not match, else 1 + cosine (orders the matches), cached."""
        strength = self._strength_cache.get(topic)
        if strength is None:
            cover, cosine = self.topic_scores(topic)
            strength = self._strength_cache[topic] = np.where(cover >= TOPIC_MATCH_COVERAGE, 1.0 + cosine, 0.0)
        return strength

    def future(self, now: dt.datetime) -> np.ndarray | None:
        """Mask of candidates published after ``now`` (None when there are none), cached."""
        if now not in self._future_cache:
            mask = self.published > now.timestamp()
            self._future_cache[now] = mask if mask.any() else None
        return self._future_cache[now]

    def allowed(self, include: tuple[str, ...], exclude: tuple[str, ...]) -> np.ndarray | None:
        """Boolean mask of candidates passing the category filters (None: all pass), cached."""
        if not include and not exclude:
            return None
        key = (include, exclude)
        mask = self._filter_cache.get(key)
        if mask is None:
            mask = np.array(
                [
                    (not include or any(cat_match(c, include) for c in cand.categories))
                    and not any(cat_match(c, exclude) for c in cand.categories)
                    for cand in self.candidates
                ],
                dtype=bool,
            )
            self._filter_cache[key] = mask
        return mask


def cat_match(category: str, patterns: tuple[str, ...]) -> bool:
    """Whether ``category`` is one of ``patterns`` (exact, or a prefix ending in ".": "cs.")."""
    return any(category == p or (p.endswith(".") and category.startswith(p)) for p in patterns)


def profile_vector(pool: CandidatePool, texts: Sequence[str]) -> sparse.csr_matrix | None:
    """The per-user model: the L2-normalised centroid of the user's liked papers in the pool's space."""
    from scipy import sparse

    if not texts:
        return None
    rows = pool.vectorize(texts)
    if rows.shape[1] == 0:
        return None
    centroid = sparse.csr_matrix(rows.mean(axis=0))
    norm = float(np.sqrt(centroid.multiply(centroid).sum()))
    return centroid / norm if norm > 0 else None
