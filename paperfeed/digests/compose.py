"""Digest composition: a pure function of (candidates, preferences, history, now).

No database, no clock, no settings. The expensive part — vectorising the period's candidate
papers — happens once per period in :class:`CandidatePool`; per subscriber, :func:`compose`
does a handful of vector operations over a few hundred candidates, and topic vectors are cached
in the pool (topics repeat across subscribers), so 100,000 subscribers compose in seconds.

Topic matching is tf-idf over title + abstract (unigrams and bigrams of the search analyser's stems).
A topic "matches" a paper when the paper contains most of the topic's idf weight
(``coverage``); among matches, tf-idf cosine orders them. Papers matching a topic rank above
the rest; within each group the period's trending score decides.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from paperfeed.search.text import STOPWORDS, stem, words

if TYPE_CHECKING:  # scipy and scikit-learn take seconds to import: only composition pays for them
    from scipy import sparse

TOPIC_MATCH_COVERAGE = 0.6  # share of a topic's idf² mass a paper must contain to "match" it
PROFILE_MATCH_COSINE = 0.05  # cosine to the user's vote/collection centroid that can count as "similar"…
PROFILE_RELATIVE = 0.6  # …when also within this fraction of the period's best cosine
TOPIC_WEIGHT = 2.0  # a topic match outranks any trending difference (trending is scaled to [0, 1])
PROFILE_WEIGHT = 2.0  # profile similarity (scaled to [0, 1]) counts twice trending; see docs/digests.md
MIN_SIZE, MAX_SIZE = 5, 50


@dataclasses.dataclass(frozen=True, slots=True)
class Candidate:
    """A trending paper of the period, as composition sees it."""

    paper_id: int
    title: str
    text: str  # title and abstract: what topics match against
    categories: tuple[str, ...] = ()
    score: float = 0.0  # trending score, higher is better
    reason: str = ""  # e.g. "trending: 40 votes"
    published_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Prefs:
    """One subscriber's preferences, in plain values."""

    size: int = 10
    include_categories: tuple[str, ...] = ()  # exact ("cs.LG") or prefix ending in "." ("cs.")
    exclude_categories: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    profile: sparse.csr_matrix | None = None  # centroid of voted/collected papers, in the pool's space


@dataclasses.dataclass(frozen=True, slots=True)
class DigestItem:
    """One paper of a digest and why it is there."""

    paper_id: int
    reason: str
    score: float


@dataclasses.dataclass(frozen=True, slots=True)
class Digest:
    """A composed digest: papers best first."""

    items: tuple[DigestItem, ...]
    composed_at: dt.datetime

    @property
    def paper_ids(self) -> list[int]:
        return [i.paper_id for i in self.items]


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

    def vectorize(self, texts: Iterable[str]) -> sparse.csr_matrix:
        """tf-idf rows for ``texts`` in this pool's space (e.g. to build a user profile)."""
        from scipy import sparse

        texts = list(texts)
        if self.vectorizer is None:
            return sparse.csr_matrix((len(texts), 0), dtype=np.float32)
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
                    (not include or any(_cat_match(c, include) for c in cand.categories))
                    and not any(_cat_match(c, exclude) for c in cand.categories)
                    for cand in self.candidates
                ],
                dtype=bool,
            )
            self._filter_cache[key] = mask
        return mask


def _cat_match(category: str, patterns: tuple[str, ...]) -> bool:
    return any(category == p or (p.endswith(".") and category.startswith(p)) for p in patterns)


def compose(
    candidates: CandidatePool | Sequence[Candidate],
    prefs: Prefs,
    history: Collection[int],
    now: dt.datetime,
) -> Digest | None:
    """Compose one subscriber's digest, or None when nothing is left to send.

    ``candidates`` are the period's trending papers (best first); ``history`` the paper ids this
    subscriber already received — none of them is picked again. Papers published after ``now``
    are ignored. Each item carries a one-line reason.
    """
    pool = candidates if isinstance(candidates, CandidatePool) else CandidatePool(candidates)
    n = len(pool)
    if n == 0:
        return None
    ok = np.ones(n, dtype=bool)
    mask = pool.allowed(tuple(prefs.include_categories), tuple(prefs.exclude_categories))
    if mask is not None:
        ok &= mask
    if history:
        if len(history) < n:
            seen = [pool.index[p] for p in history if p in pool.index]
        else:
            seen = [i for i, p in enumerate(pool.ids.tolist()) if p in history]
        ok[seen] = False
    future = pool.future(now)
    if future is not None:
        ok &= ~future
    if not ok.any():
        return None
    score = pool.base.copy()
    best_topic = None
    if prefs.topics:
        if len(prefs.topics) == 1:
            strength = pool.topic_strength(prefs.topics[0])
            best_topic = np.where(strength > 0, 0, -1)
        else:
            stacked = np.vstack([pool.topic_strength(t) for t in prefs.topics])
            strength = stacked.max(axis=0)
            best_topic = np.where(strength > 0, stacked.argmax(axis=0), -1)
        score += TOPIC_WEIGHT * strength
    profile_sim = None
    if prefs.profile is not None and prefs.profile.shape[1] == pool.matrix.shape[1] and prefs.profile.nnz:
        # Cosine to the user's centroid, scaled to [0, 1] over this period's candidates so that it
        # weighs like the (equally scaled) trending score.
        profile_sim = (pool.matrix @ prefs.profile.T).toarray().ravel()
        top_sim = float(profile_sim.max())
        if top_sim > 0:
            score += PROFILE_WEIGHT * profile_sim / top_sim
            profile_like = (profile_sim >= PROFILE_MATCH_COSINE) & (profile_sim >= PROFILE_RELATIVE * top_sim)
    size = max(MIN_SIZE, min(MAX_SIZE, prefs.size))
    score[~ok] = -np.inf
    k = min(size, int(ok.sum()))
    top = np.argpartition(-score, k - 1)[:k] if k < n else np.arange(n)
    top = top[np.argsort(-score[top], kind="stable")][:k]
    items = []
    for i in top.tolist():
        if best_topic is not None and best_topic[i] >= 0:
            reason = f"matches your topic '{prefs.topics[best_topic[i]]}'"
        elif profile_sim is not None and top_sim > 0 and profile_like[i]:
            reason = "similar to papers you upvoted or collected"
        else:
            reason = pool.candidates[i].reason or "trending"
        items.append(DigestItem(paper_id=int(pool.ids[i]), reason=reason, score=float(score[i])))
    return Digest(items=tuple(items), composed_at=now)


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
