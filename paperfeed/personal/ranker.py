"""The one personal ranker: a user's signals + a pool of candidates + ``now`` -> ranked papers with reasons.

Pure: no Django, no clock, no settings. The For-you page, the private feed, the API's
``sort=personal`` and the digest all call :func:`rank`; each item says why it is there, and every
reason has a ``key`` the user can drop (``Signals.dropped``), which removes that signal.

Score = trending rank scaled to [0, 1) (``Weights.trend``) + the positive signals below; negative
signals (not interested in a paper, an author or a topic; read papers when hidden) remove a paper.

| signal | contribution | reason |
| --- | --- | --- |
| a followed author or person | ``Weights.follow`` | by Y, whom you follow |
| a saved search's new match | ``Weights.search`` | matches your saved search Z |
| a topic | ``Weights.topic`` × (1 + cosine) | matches your topic 'T' |
| liked papers (votes, collections, pasted ids) | ``Weights.liked`` × best cosine / period's best | close to X, which you upvoted |
| the liked centroid | ``Weights.centroid`` × cosine / period's best | (adds to the line above) |
| a chosen category | ``Weights.category`` | in C, which you chose |
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING

import numpy as np

from .textmodel import Candidate, CandidatePool, cat_match

if TYPE_CHECKING:
    from scipy import sparse

LIKED_MATCH_COSINE = 0.08  # best cosine to one liked paper that can count as "close to X"…
LIKED_RELATIVE = 0.5  # …when also within this fraction of the period's best cosine
PROFILE_MATCH_COSINE = 0.05
PROFILE_RELATIVE = 0.6


@dataclasses.dataclass(frozen=True, slots=True)
class Weights:
    """How much each signal counts; trending is scaled to [0, 1), so a weight of 1 outranks any trending gap."""

    trend: float = 1.0
    follow: float = 4.0  # what the reader asked for explicitly outranks what we inferred
    search: float = 5.0
    topic: float = 2.0  # a topic match outranks any trending difference
    liked: float = 2.0  # tuned on the earlier period of the offline evaluation (bench/personal.py)
    centroid: float = 2.0  # tuned with ``liked`` and ``category`` (docs/personal.md)
    profile: float = 2.0  # a precomputed centroid (the digest's "use my votes") counts twice trending
    category: float = 1.0  # a chosen category outranks any trending difference within it


WEIGHTS = Weights()


@dataclasses.dataclass(frozen=True, slots=True)
class Liked:
    """A paper the user liked: voted for, collected or pasted at cold start."""

    paper_id: int
    title: str
    text: str  # title and abstract
    how: str = "upvoted"  # "upvoted", "collected", "picked" → "close to X, which you {how}"


@dataclasses.dataclass(frozen=True, slots=True)
class Signals:
    """Everything the ranker knows about one user, in plain values."""

    liked: tuple[Liked, ...] = ()
    liked_matrix: sparse.csr_matrix | None = None  # rows of ``liked`` in the pool's space (else computed)
    liked_sims: LikedSims | None = None  # precomputed closeness to ``liked`` (else computed)
    profile: sparse.csr_matrix | None = None  # a precomputed centroid (digests' "use my votes")
    followed_authors: Mapping[str, str] = dataclasses.field(default_factory=dict)  # author key -> name
    followed_people: Mapping[int, str] = dataclasses.field(default_factory=dict)  # user id -> "alice"
    saved_searches: Mapping[str, Collection[int]] = dataclasses.field(default_factory=dict)  # name -> paper ids
    topics: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # soft: a boost (exact or prefix "cs.")
    include_categories: tuple[str, ...] = ()  # hard filters (the digest's preferences)
    exclude_categories: tuple[str, ...] = ()
    not_papers: Collection[int] = frozenset()
    not_authors: Collection[str] = frozenset()  # author keys
    not_topics: tuple[str, ...] = ()
    exclude: Collection[int] = frozenset()  # read papers (when hidden), papers already mailed
    dropped: Collection[str] = frozenset()  # reason keys the user dropped


@dataclasses.dataclass(frozen=True, slots=True)
class Reason:
    """Why a paper is in a user's feed; ``key`` names the signal (drop it to stop it)."""

    key: str  # "liked:<paper id>", "author:<key>", "person:<id>", "search:<name>", "topic:<t>", "category:<c>", "profile", "trending"
    text: str
    weight: float


@dataclasses.dataclass(frozen=True, slots=True)
class Ranked:
    """One ranked paper: its id, score and reasons (strongest first, never empty)."""

    paper_id: int
    score: float
    reasons: tuple[Reason, ...]


def liked_rows(pool: CandidatePool, liked: tuple[Liked, ...]) -> sparse.csr_matrix:
    """The liked papers' tf-idf rows in ``pool``'s space (callers may cache this per user and pool)."""
    return pool.vectorize([item.text for item in liked])


def rank(
    pool: CandidatePool, signals: Signals, now: dt.datetime, *, limit: int = 50, weights: Weights = WEIGHTS
) -> list[Ranked]:
    """The ``limit`` best candidates of ``pool`` for a user, best first, each with its reasons.

    Papers published after ``now``, excluded, not-interesting or outside the hard category filters
    never appear. Ties keep the pool's (trending) order.
    """
    n = len(pool)
    if n == 0 or limit <= 0:
        return []
    ok = _allowed(pool, signals, now)  # None: every candidate may appear
    if ok is not None and not ok.any():
        return []
    w = weights
    parts = [p for make in _PARTS if (p := make(pool, signals, w)) is not None]
    if not parts:  # trending order alone: the pool is sorted already (100,000 digests take this path often)
        top = np.arange(min(limit, n)) if ok is None else np.flatnonzero(ok)[:limit]
        score = pool.base if w.trend == 1.0 else w.trend * pool.base
    else:
        score = w.trend * pool.base
        for part in parts:
            score = score + part.contribution
        if ok is not None:
            score[~ok] = -np.inf
        k = min(limit, n if ok is None else int(ok.sum()))
        top = np.argpartition(-score, k - 1)[:k] if k < n else np.arange(n)
        top = top[np.argsort(-score[top], kind="stable")][:k]
    out = []
    # Plain Python values in one go: indexing numpy arrays item by item costs more than the ranking.
    for i, pid, value, base in zip(top.tolist(), pool.ids[top].tolist(), score[top].tolist(), pool.base[top].tolist()):
        reasons = [r for part in parts if (r := part.explain(i)) is not None]
        if len(reasons) > 1:
            reasons.sort(key=lambda r: -r.weight)
        elif not reasons:
            reasons = [Reason("trending", pool.candidates[i].reason or "trending", w.trend * base)]
        out.append(Ranked(pid, value, tuple(reasons)))
    return out


@dataclasses.dataclass(slots=True)
class _Part:
    """One signal's contribution to every candidate and, per candidate, its reason."""

    contribution: np.ndarray
    explain: Callable[[int], Reason | None]


def _allowed(pool: CandidatePool, s: Signals, now: dt.datetime) -> np.ndarray | None:
    """Mask of the candidates that may appear; None when all may (the common case, kept cheap)."""
    ok = pool.allowed(tuple(s.include_categories), tuple(s.exclude_categories))
    future = pool.future(now)
    if future is not None:
        ok = ~future if ok is None else ok & ~future
    rows: list[int] = []
    for ids in (s.exclude, s.not_papers):
        if ids:
            rows += [pool.index[p] for p in ids if p in pool.index] if len(ids) < len(pool) else [
                i for i, p in enumerate(pool.ids.tolist()) if p in ids]
    if s.not_authors:
        rows += pool.author_rows(s.not_authors)
    if rows or s.not_topics:
        ok = np.ones(len(pool), dtype=bool) if ok is None else ok.copy()
        ok[rows] = False
        for topic in s.not_topics:
            ok &= pool.topic_strength(topic) == 0
    return ok


def _follows(pool: CandidatePool, s: Signals, w: Weights) -> _Part | None:
    if not s.followed_authors and not s.followed_people:
        return None
    authors = {k: v for k, v in s.followed_authors.items() if f"author:{k}" not in s.dropped}
    people = {k: v for k, v in s.followed_people.items() if f"person:{k}" not in s.dropped}
    if not authors and not people:
        return None
    hit = np.zeros(len(pool))
    hit[pool.author_rows(authors)] = w.follow
    hit[pool.people_rows(people)] = w.follow

    def explain(i: int) -> Reason | None:
        cand = pool.candidates[i]
        for key in cand.authors:
            if key in authors:
                return Reason(f"author:{key}", f"by {authors[key]}, whom you follow", w.follow)
        for uid in cand.people:
            if uid in people:
                return Reason(f"person:{uid}", f"picked by {people[uid]}, whom you follow", w.follow)
        return None

    return _Part(hit, explain)


def _searches(pool: CandidatePool, s: Signals, w: Weights) -> _Part | None:
    if not s.saved_searches:
        return None
    searches = {name: ids for name, ids in s.saved_searches.items() if f"search:{name}" not in s.dropped and ids}
    if not searches:
        return None
    hit = np.zeros(len(pool))
    first: dict[int, str] = {}
    for name in sorted(searches):
        rows = [pool.index[p] for p in searches[name] if p in pool.index]
        hit[rows] = w.search
        for r in rows:
            first.setdefault(r, name)

    def explain(i: int) -> Reason | None:
        name = first.get(i)
        return None if name is None else Reason(f"search:{name}", f"matches your saved search '{name}'", w.search)

    return _Part(hit, explain)


def _topics(pool: CandidatePool, s: Signals, w: Weights) -> _Part | None:
    if not s.topics:
        return None
    topics = [t for t in s.topics if t.strip() and f"topic:{t}" not in s.dropped]
    if not topics:
        return None
    key = ("topics", w.topic, *topics)
    cached = pool.memo.get(key)
    if cached is None:  # topic sets repeat across users: combine each set once per pool, explanations too
        stacked = np.vstack([pool.topic_strength(t) for t in topics])
        strength = stacked.max(axis=0)
        best = np.where(strength > 0, stacked.argmax(axis=0), -1).tolist()
        contribution = w.topic * strength
        weights = contribution.tolist()
        reasons = [Reason(f"topic:{t}", f"matches your topic '{t}'", 0.0) for t in topics]
        explained = [None if b < 0 else dataclasses.replace(reasons[b], weight=weights[i]) for i, b in enumerate(best)]
        cached = pool.memo[key] = (contribution, explained)
    contribution, explained = cached
    return _Part(contribution, explained.__getitem__)


@dataclasses.dataclass(frozen=True, slots=True)
class LikedSims:
    """Per candidate: the closest liked paper (index into ``liked``), its cosine, and the mean cosine to all."""

    liked: tuple[Liked, ...]
    best: np.ndarray
    best_sim: np.ndarray
    mean_sim: np.ndarray


def liked_sims(pool: CandidatePool, liked: tuple[Liked, ...], rows: sparse.csr_matrix | None = None) -> LikedSims | None:
    """How close every candidate is to the liked papers: the costly part (a sparse product), which
    callers may cache per user and pool and pass in ``Signals.liked_sims``."""
    if not liked or pool.matrix.shape[1] == 0:
        return None
    rows = rows if rows is not None else liked_rows(pool, liked)
    if rows.shape[1] != pool.matrix.shape[1]:
        return None
    sims = (pool.matrix @ rows.T).toarray()  # candidates × liked
    for col, item in enumerate(liked):  # a liked paper is not "close to" itself
        row = pool.index.get(item.paper_id, -1)
        if row >= 0:
            sims[row, col] = 0.0
    best = sims.argmax(axis=1)
    return LikedSims(liked, best, sims[np.arange(len(pool)), best], sims.mean(axis=1))


def _liked(pool: CandidatePool, s: Signals, w: Weights) -> _Part | None:
    if not (s.liked or s.liked_sims) or not (w.liked or w.centroid):
        return None
    sims = s.liked_sims
    if sims is None or any(f"liked:{item.paper_id}" in s.dropped for item in sims.liked):
        keep = [j for j, item in enumerate(s.liked) if f"liked:{item.paper_id}" not in s.dropped]
        rows = s.liked_matrix[keep] if s.liked_matrix is not None and keep else None
        sims = liked_sims(pool, tuple(s.liked[j] for j in keep), rows)
    if sims is None:
        return None
    best_sim, centroid = sims.best_sim, sims.mean_sim
    top, top_c = float(best_sim.max()), float(centroid.max())
    if top <= 0:
        return None
    contribution = w.liked * best_sim / top + (w.centroid * centroid / top_c if top_c > 0 else 0.0)
    close = (best_sim >= LIKED_MATCH_COSINE) & (best_sim >= LIKED_RELATIVE * top)

    def explain(i: int) -> Reason | None:
        if not close[i]:
            return None
        item = sims.liked[sims.best[i]]
        return Reason(f"liked:{item.paper_id}", f"close to {item.title}, which you {item.how}", float(contribution[i]))

    return _Part(contribution, explain)


def _profile(pool: CandidatePool, s: Signals, w: Weights) -> _Part | None:
    p = s.profile
    if p is None or "profile" in s.dropped or p.shape[1] != pool.matrix.shape[1] or not p.nnz:
        return None
    sim = (pool.matrix @ p.T).toarray().ravel()
    top = float(sim.max())
    if top <= 0:
        return None
    like = (sim >= PROFILE_MATCH_COSINE) & (sim >= PROFILE_RELATIVE * top)
    contribution = w.profile * sim / top

    def explain(i: int) -> Reason | None:
        if not like[i]:
            return None
        return Reason("profile", "similar to papers you upvoted or collected", float(contribution[i]))

    return _Part(contribution, explain)


def _categories(pool: CandidatePool, s: Signals, w: Weights) -> _Part | None:
    if not s.categories:
        return None
    chosen = tuple(c for c in s.categories if f"category:{c}" not in s.dropped)
    if not chosen or not w.category:
        return None
    mask = pool.allowed(chosen, ())
    assert mask is not None

    def explain(i: int) -> Reason | None:
        if not mask[i]:
            return None
        cat = next(c for c in pool.candidates[i].categories if cat_match(c, chosen))
        pattern = next(p for p in chosen if cat_match(cat, (p,)))
        return Reason(f"category:{pattern}", f"in {cat}, which you chose", w.category)

    return _Part(w.category * mask, explain)


_PARTS = (_follows, _searches, _topics, _liked, _profile, _categories)


def candidates_order(items: list[Candidate]) -> list[Candidate]:
    """Candidates best-trending first (the order a pool expects), ties by newest id."""
    return sorted(items, key=lambda c: (-c.score, -c.paper_id))
