"""Digest composition: a pure function of (candidates, preferences, history, now).

No database, no clock, no settings. Ranking is the personal ranker's
(:func:`paperfeed.personal.ranker.rank`, the same one behind the For-you page and the private
feed); composition turns a subscriber's preferences into its signals, applies the digest's size
bounds and keeps one reason per item. The expensive part — vectorising the period's candidates —
happens once per period in :class:`CandidatePool`, so 100,000 subscribers compose in seconds.

Papers matching a topic rank above the rest; within each group the period's trending score decides.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from paperfeed.personal.ranker import Liked, Signals, rank
from paperfeed.personal.textmodel import Candidate, CandidatePool, analyze, profile_vector

if TYPE_CHECKING:  # scipy takes a second to import: only composition pays for it
    from scipy import sparse

__all__ = ["Candidate", "CandidatePool", "Digest", "DigestItem", "Prefs", "analyze", "compose", "profile_vector"]

MIN_SIZE, MAX_SIZE = 5, 50
SAVED_SEARCH_ITEMS = 5  # new matches per saved search in a digest


@dataclasses.dataclass(frozen=True, slots=True)
class Prefs:
    """One subscriber's preferences, in plain values."""

    size: int = 10
    include_categories: tuple[str, ...] = ()  # exact ("cs.LG") or prefix ending in "." ("cs.")
    exclude_categories: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    profile: sparse.csr_matrix | None = None  # centroid of voted/collected papers, in the pool's space
    liked: tuple[Liked, ...] = ()  # the papers behind "close to X, which you upvoted" (instead of ``profile``)
    saved_searches: Mapping[str, Sequence[int]] = dataclasses.field(default_factory=dict)  # name -> new matches, best first
    # An account's For-you signals (personal.batch.ReaderSignals): the page's reasons and negatives.
    followed_authors: Mapping[str, str] = dataclasses.field(default_factory=dict)  # author key -> name
    followed_people: Mapping[int, str] = dataclasses.field(default_factory=dict)  # user id -> label
    not_papers: Collection[int] = frozenset()
    not_authors: Collection[str] = frozenset()
    not_topics: tuple[str, ...] = ()
    dropped: Collection[str] = frozenset()  # reasons the reader dropped on the page


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
    signals = Signals(
        liked=prefs.liked,
        profile=prefs.profile,
        topics=tuple(prefs.topics),
        include_categories=tuple(prefs.include_categories),
        exclude_categories=tuple(prefs.exclude_categories),
        saved_searches=prefs.saved_searches,
        exclude=history,
        followed_authors=prefs.followed_authors,
        followed_people=prefs.followed_people,
        not_papers=prefs.not_papers,
        not_authors=prefs.not_authors,
        not_topics=prefs.not_topics,
        dropped=prefs.dropped,
    )
    size = max(MIN_SIZE, min(MAX_SIZE, prefs.size))
    items = [DigestItem(paper_id=r.paper_id, reason=r.reasons[0].text, score=r.score) for r in rank(pool, signals, now, limit=size)]
    if prefs.saved_searches:
        items += saved_search_section(prefs.saved_searches, taken={i.paper_id for i in items} | set(history))
    if not items:
        return None
    return Digest(items=tuple(items), composed_at=now)


def saved_search_section(searches: Mapping[str, Sequence[int]], *, taken: Collection[int]) -> list[DigestItem]:
    """The saved searches' new matches that are not in the digest yet (best first per search, at most
    ``SAVED_SEARCH_ITEMS`` each): the digest's "From your saved searches" section."""
    out: list[DigestItem] = []
    seen = set(taken)
    for name in sorted(searches):
        fresh = [pid for pid in searches[name] if pid not in seen][:SAVED_SEARCH_ITEMS]
        seen.update(fresh)
        out += [DigestItem(paper_id=pid, reason=f"new match for your saved search '{name}'", score=0.0) for pid in fresh]
    return out
