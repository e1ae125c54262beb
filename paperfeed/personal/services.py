"""Personal services: a reader's signals, the For-you ranking, negative feedback, notes, saved searches, the private feed.

Views, feeds, the API and the digest call these; the ranking itself is the pure
:func:`paperfeed.personal.ranker.rank`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import secrets
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from paperfeed.catalog.authors import author_key
from paperfeed.catalog.models import Author, Paper
from paperfeed.catalog.services import decorate
from paperfeed.community.arxiv_ids import normalise_arxiv_id, split_ids
from paperfeed.community.models import CollectionItem, Vote
from paperfeed.follows import services as follows
from paperfeed.search.forms import parse_params
from paperfeed.search.services import search

from .models import FeedProfile, Note, NotInterested, ReadMark, SavedSearch
from .ranker import Liked, LikedSims, Ranked, Signals, liked_sims, rank
from .stamps import catalogue_mark, write_stamp
from .textmodel import Candidate, CandidatePool

MAX_TOPICS, MAX_CATEGORIES, MAX_SEEDS = 20, 20, 50
MAX_LIKED = 1000
MAX_RANKINGS = 2000  # readers whose For-you ranking a process keeps
SEARCH_MATCHES = 200  # newest matches of a saved search looked at per refresh


# --- the candidate pool (one per process, refreshed every PERSONAL_POOL_SECONDS) ----------------
@dataclasses.dataclass
class _PoolEntry:
    key: tuple
    pool: CandidatePool
    papers: dict[int, Paper]
    built: float
    mark: int  # the catalogue's newest paper id when built (catalogue_mark)
    generation: int  # changes whenever the pool's papers or their order change


@dataclasses.dataclass(frozen=True, slots=True)
class Ranking:
    """A reader's For-you ranking, kept while ``key`` (pool generation, write stamp, profile) holds."""

    key: tuple
    made: float
    ranked: tuple[Ranked, ...]
    told: bool  # whether the reader gave any positive signal (else: the cold-start form)


_pool_lock = threading.Lock()
_pool: _PoolEntry | None = None
_generations = itertools.count(1)
_liked_cache: OrderedDict[tuple, LikedSims | None] = OrderedDict()  # (pool key, liked ids) -> closeness
_search_cache: dict[tuple, frozenset[int]] = {}  # (pool key, saved search id, params) -> matches
_rankings: OrderedDict[int, Ranking] = OrderedDict()  # user id -> their ranking (kept)


def reset_caches() -> None:
    """Forget the process's pool and per-user caches (tests; after a large ingest)."""
    global _pool
    with _pool_lock:
        _pool = None
        _liked_cache.clear()
        _search_cache.clear()
        _rankings.clear()


def candidate_papers(*, now: dt.datetime) -> list[Paper]:
    """The recent catalogue For-you ranks: papers of the last PERSONAL_WINDOW_DAYS listings, most voted first."""
    latest = Paper.objects.filter(hidden=False, listing_date__lte=now.date()).aggregate(d=Max("listing_date"))["d"]
    if latest is None:
        return []
    start = latest - dt.timedelta(days=max(settings.PERSONAL_WINDOW_DAYS, 1) - 1)
    qs = Paper.objects.filter(hidden=False, listing_date__gte=start, listing_date__lte=latest)
    fields = ("id", "arxiv_id", "title", "abstract", "authors", "categories", "listing_date", "submitted_at",
              "vote_count", "imported_upvotes", "picked_by_id", "picked_by_name", "picked_at", "comment_count",
              "hidden", "primary_category")  # the API's sort=personal reads the pick fields: no deferred loads
    return list(qs.only(*fields).order_by("-vote_count", "-imported_upvotes", "-listing_date", "-id")
                [: settings.PERSONAL_CANDIDATES])


def candidate_of(paper: Paper) -> Candidate:
    """A paper as the ranker sees it."""
    votes = paper.vote_count + paper.imported_upvotes
    return Candidate(
        paper_id=paper.pk,
        title=paper.title,
        text=f"{paper.title}\n{paper.abstract}",
        categories=tuple(paper.categories or ()),
        score=float(votes),
        reason=f"popular: {votes} votes" if votes else f"new on {paper.listing_date:%b %-d}" if paper.listing_date else "new",
        authors=tuple(author_key(name) for name in paper.authors or ()),
        people=(paper.picked_by_id,) if paper.picked_by_id else (),
    )


def current_pool(*, now: dt.datetime) -> _PoolEntry:
    """The vectorised candidate pool, rebuilt when stale, after an ingest anywhere, or when the day changed."""
    global _pool
    entry = _pool
    mark = catalogue_mark()  # one primary-key lookup: an ingest in another process shows at once
    fresh = entry is not None and time.monotonic() - entry.built < settings.PERSONAL_POOL_SECONDS
    if fresh and entry.key[0] == now.date() and entry.mark == mark:
        return entry
    papers = candidate_papers(now=now)
    key = (now.date(), tuple(p.pk for p in papers))
    if entry is not None and entry.key == key:
        entry.built, entry.mark = time.monotonic(), mark
        return entry
    pool = CandidatePool([candidate_of(p) for p in papers])
    with _pool_lock:
        _pool = _PoolEntry(key, pool, {p.pk: p for p in papers}, time.monotonic(), mark, next(_generations))
        _liked_cache.clear()
        _search_cache.clear()
        _rankings.clear()
    return _pool


# --- signals -----------------------------------------------------------------------------------
def profile_of(user) -> FeedProfile:
    """The reader's FeedProfile, created on first use."""
    try:
        return FeedProfile.objects.get_or_create(user=user)[0]
    except IntegrityError:  # a concurrent request created it
        return FeedProfile.objects.get(user=user)


def liked_ids(user, profile: FeedProfile) -> dict[int, str]:
    """Ids of the papers the reader upvoted, collected or pasted (the newest MAX_LIKED), with how ("upvoted", …)."""
    how: dict[int, str] = {}
    for pid in profile.seed_papers.values_list("id", flat=True):
        how[pid] = "picked"
    for pid in CollectionItem.objects.filter(collection__owner=user).values_list("paper_id", flat=True):
        how[pid] = "collected"
    for pid in Vote.objects.filter(user=user).values_list("paper_id", flat=True):
        how[pid] = "upvoted"
    # The newest MAX_LIKED: closeness is a pool × liked matrix, kept per reader.
    return {pid: how[pid] for pid in sorted(how, reverse=True)[:MAX_LIKED]}


def liked_papers(how: dict[int, str]) -> tuple[Liked, ...]:
    """The liked papers with their text (the ranker's positive examples), in the order of ``how``."""
    rows = {pid: (title, abstract) for pid, title, abstract in
            Paper.objects.filter(pk__in=how).values_list("id", "title", "abstract")}
    return tuple(Liked(pid, rows[pid][0], f"{rows[pid][0]}\n{rows[pid][1]}", h) for pid, h in how.items() if pid in rows)


def followed(user) -> tuple[dict[str, str], dict[int, str]]:
    """(followed author key -> name, followed user id -> label), labs' members included."""
    authors = dict(Author.objects.filter(pk__in=follows.followed_author_ids(user.pk)).values_list("key", "name"))
    people_ids = follows.followed_user_ids(user.pk)
    lab_people = follows.lab_member_ids(follows.followed_lab_ids(user.pk)) - people_ids - {user.pk}
    if not people_ids and not lab_people:
        return authors, {}
    names = dict(get_user_model().objects.filter(pk__in=people_ids | lab_people).values_list("pk", "username"))
    people = {uid: name for uid, name in names.items() if uid in people_ids}
    people.update({uid: f"{name} (a lab you follow)" for uid, name in names.items() if uid in lab_people})
    return authors, people


def signals_for(user, *, entry: _PoolEntry, profile: FeedProfile | None = None, hide_read: bool = True) -> Signals:
    """Everything the ranker needs about ``user``, read in a fixed number of queries."""
    profile = profile or profile_of(user)
    dropped = frozenset(profile.dropped or ())
    sims = _liked_sims(entry, liked_ids(user, profile), dropped)
    liked = sims.liked if sims is not None else ()
    negatives: dict[str, set[str]] = {k: set() for k in NotInterested.Kind.values}
    for kind, value in NotInterested.objects.filter(user=user).values_list("kind", "value"):
        negatives[kind].add(value)
    authors, people = followed(user)
    read = set(ReadMark.objects.filter(user=user).values_list("paper_id", flat=True)) if hide_read else set()
    return Signals(
        liked=liked,
        liked_sims=sims,
        followed_authors=authors,
        followed_people=people,
        saved_searches={s.name: _search_matches(entry, s) for s in SavedSearch.objects.filter(user=user)},
        topics=tuple(profile.topics or ()),
        categories=tuple(profile.categories or ()),
        not_papers={int(v) for v in negatives["paper"] if v.isdigit()},
        not_authors=negatives["author"],
        not_topics=tuple(sorted(negatives["topic"])),
        exclude=read,
        dropped=dropped,
    )


def _liked_sims(entry: _PoolEntry, how: dict[int, str], dropped: frozenset[str]) -> LikedSims | None:
    # Reading 500 abstracts, vectorising them and the sparse product cost more than the rest of the
    # ranking: keep the result per (pool, liked set), so a reader's next page view ranks in milliseconds.
    key = (entry.key, tuple((pid, h) for pid, h in how.items() if f"liked:{pid}" not in dropped))
    if key not in _liked_cache:
        liked = liked_papers(dict(key[1]))
        sims = liked_sims(entry.pool, liked)
        with _pool_lock:
            _liked_cache[key] = sims
            while len(_liked_cache) > 256:
                _liked_cache.popitem(last=False)
    return _liked_cache.get(key)


def _search_matches(entry: _PoolEntry, saved: SavedSearch) -> frozenset[int]:
    key = (entry.key, saved.pk, repr(sorted(saved.params.items())))
    found = _search_cache.get(key)
    if found is None:
        found = _search_cache[key] = frozenset(p.pk for p in new_matches(saved))
    return found


# --- For you -----------------------------------------------------------------------------------
def has_signals(signals: Signals) -> bool:
    """Whether the reader told us anything positive (else the page shows the cold-start form)."""
    return bool(signals.liked or signals.followed_authors or signals.followed_people or signals.topics
                or signals.categories or signals.saved_searches)


def for_you(user, *, now: dt.datetime, limit: int = 50, profile: FeedProfile | None = None
            ) -> tuple[list[tuple[Paper, Ranked]], bool]:
    """The reader's ranked feed (decorated papers with reasons) and whether they told us anything yet."""
    ranking = ranking_for(user, now=now, limit=limit, profile=profile)
    ids = [r.paper_id for r in ranking.ranked]
    papers = Paper.objects.filter(hidden=False).in_bulk(ids)  # fresh counts, not the pool's copies
    rows = [(papers[r.paper_id], r) for r in ranking.ranked if r.paper_id in papers]
    decorate([paper for paper, _ in rows])  # links, authors, code: what every list item renders
    return rows, ranking.told


def ranking_for(user, *, now: dt.datetime, limit: int = 50, profile: FeedProfile | None = None) -> Ranking:
    """The reader's ranking, cached per process while the pool, their write stamp and their profile are unchanged.

    Two cheap queries (the catalogue mark, the write stamp) decide; a vote, a follow, "not
    interested", a read mark or an edit of the interests changes the key, so the next view ranks afresh.
    """
    entry = current_pool(now=now)
    profile = profile or profile_of(user)
    key = (entry.generation, now.date(), limit, write_stamp(user.pk), repr(profile.categories), repr(profile.topics),
           repr(profile.dropped), profile.hide_seen)
    cached = _rankings.get(user.pk)
    if cached is not None and cached.key == key and time.monotonic() - cached.made < settings.PERSONAL_POOL_SECONDS:
        return cached
    signals = signals_for(user, entry=entry, profile=profile, hide_read=profile.hide_seen)
    ranking = Ranking(key, time.monotonic(), tuple(rank(entry.pool, signals, now, limit=limit)), has_signals(signals))
    with _pool_lock:
        _rankings[user.pk] = ranking
        _rankings.move_to_end(user.pk)
        while len(_rankings) > MAX_RANKINGS:
            _rankings.popitem(last=False)
    return ranking


def set_interests(user, *, categories: list[str], topics: list[str], arxiv_text: str) -> list[str]:
    """Store the reader's cold-start choices; returns the pasted ids that are not in the catalogue."""
    profile = profile_of(user)
    profile.categories = _clean(categories, 64)[:MAX_CATEGORIES]
    profile.topics = _clean(topics, 200)[:MAX_TOPICS]
    profile.save(update_fields=["categories", "topics"])
    wanted = [i for i in (normalise_arxiv_id(t) for t in split_ids(arxiv_text)[:MAX_SEEDS]) if i]
    bad = [t for t in split_ids(arxiv_text)[:MAX_SEEDS] if not normalise_arxiv_id(t)]
    found = dict(Paper.objects.filter(arxiv_id__in=wanted, hidden=False).values_list("arxiv_id", "id"))
    if wanted:
        profile.seed_papers.add(*found.values())
    return bad + [i for i in wanted if i not in found]


def _clean(values: list[str], width: int) -> list[str]:
    out: list[str] = []
    for v in values:
        v = " ".join((v or "").split())[:width]
        if v and v not in out:
            out.append(v)
    return out


def drop_reason(user, *, key: str, restore: bool = False) -> None:
    """Stop (or restore) one reason, e.g. ``liked:42`` or ``author:ada-lovelace``."""
    key = key.strip()[:400]
    profile = profile_of(user)
    dropped = [k for k in profile.dropped or () if k != key]
    if not restore and key:
        dropped.append(key)
    profile.dropped = dropped[-500:]
    profile.save(update_fields=["dropped"])


def not_interested(user, *, kind: str, value: str, label: str = "", undo: bool = False) -> None:
    """Never show this paper (id), author (name or key) or topic again; ``undo`` takes it back."""
    value = str(value).strip()
    if kind == NotInterested.Kind.AUTHOR:
        value = author_key(value) or value
    if kind not in NotInterested.Kind.values or not value:
        raise ValueError("say which paper, author or topic")
    if kind == NotInterested.Kind.PAPER and not value.isdigit():
        raise ValueError("no such paper")
    if undo:
        NotInterested.objects.filter(user=user, kind=kind, value=value[:300]).delete()
        return
    NotInterested.objects.get_or_create(user=user, kind=kind, value=value[:300], defaults={"label": label[:300]})


def mark_read(user, *, paper: Paper, read: bool = True, now: dt.datetime | None = None) -> None:
    """Mark a paper read (or unread)."""
    if not read:
        ReadMark.objects.filter(user=user, paper=paper).delete()
        return
    try:
        with transaction.atomic():
            ReadMark.objects.get_or_create(user=user, paper=paper, defaults={"read_at": now or timezone.now()})
    except IntegrityError:
        pass  # a double click: already read


def read_ids(user) -> set[int]:
    """Ids of the papers the reader marked read."""
    return set(ReadMark.objects.filter(user=user).values_list("paper_id", flat=True))


def is_read(user, paper: Paper) -> bool:
    """Whether the reader marked ``paper`` read."""
    return ReadMark.objects.filter(user=user, paper=paper).exists()


def hides_seen(user) -> bool:
    """Whether the reader hides papers marked read (no row is created for a reader who never chose)."""
    return FeedProfile.objects.filter(user=user, hide_seen=True).exists()


def set_hide_seen(user, *, hide: bool) -> None:
    """Hide (or show) papers marked read on every list page."""
    FeedProfile.objects.filter(pk=profile_of(user).pk).update(hide_seen=hide)


def save_note(user, *, paper: Paper, text: str, now: dt.datetime | None = None) -> Note | None:
    """Store the reader's private note on a paper; an empty text deletes it."""
    text = (text or "").replace("\x00", "").strip()[:10_000]
    if not text:
        Note.objects.filter(user=user, paper=paper).delete()
        return None
    note, _ = Note.objects.update_or_create(user=user, paper=paper,
                                            defaults={"text": text, "updated_at": now or timezone.now()})
    return note


def note_for(user, paper: Paper) -> Note | None:
    """The reader's note on ``paper``, if any."""
    return Note.objects.filter(user=user, paper=paper).first()


# --- saved searches ------------------------------------------------------------------------------
SEARCH_KEYS = ("q", "category", "from", "to", "code")


def save_search(user, *, name: str, params: dict[str, str], now: dt.datetime | None = None) -> SavedSearch:
    """Save a search (the search page's parameters) as an alert; raises ValueError on bad input."""
    clean = {k: str(params.get(k) or "").strip()[:500] for k in SEARCH_KEYS if (params.get(k) or "").strip()}
    parsed = parse_params(clean)
    if not parsed.query.strip() and not parsed.filters:
        raise ValueError("Type a query or choose a filter before saving a search.")
    name = " ".join((name or parsed.query or "my search").split())[:120]
    if SavedSearch.objects.filter(user=user).count() >= settings.PERSONAL_MAX_SAVED_SEARCHES:
        raise ValueError(f"You have {settings.PERSONAL_MAX_SAVED_SEARCHES} saved searches; delete one first.")
    saved, _ = SavedSearch.objects.update_or_create(user=user, name=name,
                                                    defaults={"params": clean, "created_at": now or timezone.now()})
    return saved


def new_matches(saved: SavedSearch, *, limit: int = SEARCH_MATCHES) -> list[Paper]:
    """Papers matching ``saved`` that arrived in the catalogue after it was saved, newest first."""
    parsed = parse_params(saved.params)
    results = search(query=parsed.query, filters=parsed.filters, sort="date", limit=limit)
    return [h.paper for h in results.hits if h.paper.created_at > saved.created_at]


# --- the private feed ----------------------------------------------------------------------------
def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_token(user, *, now: dt.datetime | None = None) -> str:
    """Make (or replace) the reader's private feed secret; returned once, only its hash is kept."""
    token = secrets.token_urlsafe(24)
    FeedProfile.objects.filter(pk=profile_of(user).pk).update(feed_token_hash=_hash(token),
                                                             feed_created_at=now or timezone.now())
    return token


def revoke_feed_token(user) -> None:
    """Revoke the private feed URL: it answers 404 from now on."""
    FeedProfile.objects.filter(user=user).update(feed_token_hash="", feed_created_at=None)


def user_for_feed_token(token: str):
    """The active user whose private feed secret is ``token``, or None."""
    if not token or len(token) > 100:
        return None
    profile = FeedProfile.objects.select_related("user").filter(feed_token_hash=_hash(token)).first()
    return profile.user if profile and profile.user.is_active else None


def saved_search_matches(user_ids: set[int]) -> dict[int, dict[str, list[int]]]:
    """Per user, each saved search's new matches (paper ids, newest first): the digest's section."""
    out: dict[int, dict[str, list[int]]] = {}
    if not user_ids:
        return out
    for saved in SavedSearch.objects.filter(user_id__in=user_ids).order_by("user_id", "name"):
        ids = [p.pk for p in new_matches(saved, limit=50)]
        if ids:
            out.setdefault(saved.user_id, {})[saved.name] = ids
    return out
