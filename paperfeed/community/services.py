"""Community services: votes, bans, vote history and the trending list.

Submissions live in :mod:`paperfeed.community.submissions` and collections in
:mod:`paperfeed.community.collections`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, IntegerField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from paperfeed.accounts.models import Profile
from paperfeed.catalog.models import Paper
from paperfeed.catalog.stars import star_deltas
from paperfeed.search.services import search

from . import ranking, tallies
from .models import Vote

TRENDING_CACHE_SECONDS = 10
_VERSION_KEY = "community:trending:version"


class VoteRefused(Exception):
    """A vote the user may not cast (e.g. a suspended account); the message is shown to them."""


# --- votes ------------------------------------------------------------------------------------


def is_banned(user) -> bool:
    """Whether the account is suspended (anonymous users are not banned)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Profile.objects.filter(user=user, banned=True).exists()


def counted_votes():
    """Votes that count: those of accounts that are not banned, on papers that are not hidden."""
    return Vote.objects.exclude(user__profile__banned=True)


def recount_votes(paper_ids) -> None:
    """Recompute ``Paper.vote_count`` (non-banned users' votes) for the given papers."""
    ids = list(paper_ids)
    if not ids:
        return
    counts = (
        counted_votes().filter(paper=OuterRef("pk")).order_by().values("paper").annotate(n=Count("id")).values("n")
    )
    Paper.objects.filter(pk__in=ids).update(
        vote_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))
    )
    bump_trending()


def toggle_vote(*, user, paper: Paper, now: dt.datetime | None = None) -> tuple[bool, int]:
    """Add the user's vote on the paper, or take it back; returns ``(voted now, paper's vote_count)``."""
    if is_banned(user):
        raise VoteRefused("Your account is suspended: votes are disabled.")
    with transaction.atomic():
        deleted, _ = Vote.objects.filter(user=user, paper=paper).delete()
        if not deleted:
            Vote.objects.get_or_create(user=user, paper=paper, defaults={"created_at": now or timezone.now()})
        recount_votes([paper.pk])
    count = Paper.objects.filter(pk=paper.pk).values_list("vote_count", flat=True).first() or 0
    return (not deleted, count)


def cast_vote(*, user, paper: Paper, now: dt.datetime | None = None) -> bool:
    """Add the user's vote if it is not there yet (never takes one back); True when it was added."""
    if is_banned(user):
        raise VoteRefused("Your account is suspended: votes are disabled.")
    with transaction.atomic():
        _, created = Vote.objects.get_or_create(user=user, paper=paper, defaults={"created_at": now or timezone.now()})
        if created:
            recount_votes([paper.pk])
    return created


def voted_paper_ids(user) -> set[int]:
    """Ids of the papers the user has voted for (empty for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(Vote.objects.filter(user=user).values_list("paper_id", flat=True))


def vote_history(paper: Paper, *, today: dt.date | None = None, days: int = 30) -> list[int]:
    """Counted votes per UTC day over ``days`` days, imported upvotes on their listing day.

    The range ends ``today`` when the paper has activity in it, otherwise on the day of its latest
    activity, so an older paper still shows the shape of its votes rather than a flat line.
    """
    today = today or timezone.now().date()
    stamps = list(counted_votes().filter(paper=paper).order_by("-created_at").values_list("created_at", flat=True)[:5000])
    events = [(ts, 1) for ts in stamps]
    if paper.imported_upvotes > 0 and paper.listing_date:
        events.append((ranking.imported_at(paper.listing_date), paper.imported_upvotes))
    if not events:
        return [0] * days
    latest = min(max(ts.astimezone(dt.UTC).date() for ts, _ in events), today)
    end = today if latest > today - dt.timedelta(days=days) else latest
    return ranking.daily_counts(events, today=end, days=days)


# --- trending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trending:
    """A computed trending list: entries ``(paper_id, score, reason)`` for the window ending ``as_of``."""

    window: str
    as_of: dt.datetime
    entries: list[tuple[int, float, str]]
    # Set when the catalogue's latest listing day is older than the window (e.g. the bundled demo):
    # that day; imported upvotes then count as if it were today (local votes keep their real time).
    stale_since: dt.date | None = None

    @property
    def imported_shift(self) -> dt.timedelta:
        """How far imported upvotes are moved forward in time (zero for a current catalogue)."""
        return (self.as_of.date() - self.stale_since) if self.stale_since else dt.timedelta(0)


def bump_trending() -> None:
    """Invalidate cached trending lists (called on every vote, ban, hide)."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 1, None)


def _half_life(window: str) -> float:
    return ranking.window_half_life(window, settings.TRENDING_HALF_LIFE_HOURS)


def half_life_label(window: str) -> str:
    """The window's half-life in words ("1 day", "7 days")."""
    hours = _half_life(window)
    if hours < 48:
        return f"{hours:g} hours" if hours != 24 else "1 day"
    return f"{hours / 24:g} days"


def _signals(window: str, as_of: dt.datetime, shift: dt.timedelta) -> list[ranking.PaperSignal]:
    """Gather what ranking needs for a window ending at ``as_of``: vote tallies (summed by the
    database), imported upvotes listed inside the (shifted) window, star gains of the last 24 h."""
    start = as_of - ranking.window_delta(window)
    tallied = tallies.vote_tallies(now=as_of, window=window, half_life_hours=_half_life(window))
    imported = Paper.objects.filter(
        hidden=False, imported_upvotes__gt=0,
        listing_date__gte=(start - shift).date(), listing_date__lte=(as_of - shift).date(),
    )
    imported_rows = {pid: (n, day) for pid, n, day in imported.values_list("id", "imported_upvotes", "listing_date")}
    ids = list(dict.fromkeys([*imported_rows, *tallied]))
    stars = star_deltas(ids, now=as_of, hours=24) if ids else {}
    return ranking.coerce_signals(
        paper_ids=ids, imported=imported_rows, stars=stars, tallies=tallied, imported_shift=shift
    )


def _rank(window: str, as_of: dt.datetime, shift: dt.timedelta = dt.timedelta(0)) -> list[tuple[int, float, str]]:
    return ranking.rank(
        _signals(window, as_of, shift),
        now=as_of,
        window=window,
        half_life_hours=_half_life(window),
        min_votes=settings.TRENDING_MIN_VOTES,
    )


def _stale_since(window: str, now: dt.datetime) -> dt.date | None:
    """The catalogue's latest listing day when it ended before the window began, else None."""
    day = Paper.objects.filter(hidden=False).aggregate(d=Max("listing_date"))["d"]
    if day is None or ranking.imported_at(day + dt.timedelta(days=1)) > now - ranking.window_delta(window):
        return None
    return day


def compute_trending(*, window: str = "week", now: dt.datetime | None = None) -> Trending:
    """The trending list for ``window`` ending ``now``.

    With ``now`` omitted (the live site) the list is cached a few seconds (a vote invalidates it),
    and when the catalogue's latest listing day is older than the window, as in a demo of older
    data, imported upvotes count as if that day were today, so the list is not empty and local
    votes still move papers. With an explicit ``now`` the computation is plain and uncached.
    """
    ranking.window_delta(window)
    if now is not None:
        return Trending(window, now, _rank(window, now))
    key = f"community:trending:{window}:{cache.get(_VERSION_KEY, 0)}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    real_now = timezone.now()
    stale = _stale_since(window, real_now)
    result = Trending(window, real_now, [], stale)
    result.entries.extend(_rank(window, real_now, result.imported_shift))
    cache.set(key, result, TRENDING_CACHE_SECONDS)
    return result


def trending_papers(
    *, window: str = "week", now: dt.datetime | None = None, limit: int = 50, offset: int = 0
) -> list[tuple[Paper, float, str]]:
    """Return ``(paper, score, reason)`` for the trending list, best first."""
    entries = compute_trending(window=window, now=now).entries[offset : offset + limit]
    papers = Paper.objects.in_bulk([pid for pid, _, _ in entries])
    return [(papers[pid], s, why) for pid, s, why in entries if pid in papers and not papers[pid].hidden]


def score_trends(
    paper_ids: list[int], *, window: str, as_of: dt.datetime, points: int = 24,
    imported_shift: dt.timedelta = dt.timedelta(0),
) -> dict[int, list[float]]:
    """For each paper, its trending score (without star bonus) sampled across the window, for sparklines."""
    ids = hashlib.sha1(",".join(map(str, paper_ids)).encode()).hexdigest()
    key = f"community:trends:{cache.get(_VERSION_KEY, 0)}:{window}:{as_of.isoformat()}:{points}:{ids}"
    trends = cache.get(key)
    if trends is None:
        trends = _score_trends(paper_ids, window=window, as_of=as_of, points=points, shift=imported_shift)
        cache.set(key, trends, TRENDING_CACHE_SECONDS)
    return trends


def _score_trends(
    paper_ids: list[int], *, window: str, as_of: dt.datetime, points: int, shift: dt.timedelta
) -> dict[int, list[float]]:
    half_life = _half_life(window)
    sums = tallies.bucket_sums(paper_ids=paper_ids, now=as_of, window=window, points=points, half_life_hours=half_life)
    ends = ranking.series_ends(now=as_of, window=window, points=points)
    start = as_of - ranking.window_delta(window)
    papers = Paper.objects.in_bulk(paper_ids)
    return {
        pid: ranking.series_from_buckets(
            sums[pid], ends=ends, start=start, half_life_hours=half_life,
            imported_upvotes=papers[pid].imported_upvotes, listing_date=papers[pid].listing_date,
            imported_time=ranking.imported_at(papers[pid].listing_date) + shift
            if shift and papers[pid].listing_date else None,
        )
        for pid in paper_ids
        if pid in papers
    }


# --- feeds ------------------------------------------------------------------------------------


def daily_feed_papers(*, limit: int = 100) -> tuple[dt.date | None, list[Paper]]:
    """The latest listing day and its papers (most votes first), for the daily feed."""
    day = Paper.objects.filter(hidden=False).aggregate(d=Max("listing_date"))["d"]
    if day is None:
        return None, []
    papers = Paper.objects.filter(hidden=False, listing_date=day).order_by("-vote_count", "-imported_upvotes", "id")
    return day, list(papers[:limit])


def search_feed_papers(*, query: str, limit: int = 50) -> list[Paper]:
    """Visible papers matching ``query``, best first, from the search service."""
    query = query.strip()
    if not query:
        return []
    return [hit.paper for hit in search(query=query, limit=limit).hits]
