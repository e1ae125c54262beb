"""Trending maths, pure: plain data and ``now`` in, ``[(paper_id, score, reason)]`` out.

No Django, no database, no clock: the service gathers vote events and calls :func:`rank`.

The score of a paper is the sum, over its vote events inside the window, of ``0.5 ** (age / half_life)``
(each vote decays with its own age, so a burst today beats an equal pile from the window's start;
the half-life scales with the window, see :func:`window_half_life`), plus a bounded
bonus for code-repository star velocity. Imported upvotes (e.g. from Hugging Face) count as votes
cast at the start of the paper's listing day. A paper needs ``min_votes`` votes inside the window to
be ranked at all, so one early vote never tops the list. Hidden papers never appear.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

WINDOWS: dict[str, dt.timedelta] = {
    "day": dt.timedelta(days=1),
    "week": dt.timedelta(days=7),
    "month": dt.timedelta(days=30),
}
WINDOW_LABELS = {"day": "24 h", "week": "7 days", "month": "30 days"}
DEFAULT_HALF_LIFE_HOURS = 24.0
DEFAULT_MIN_VOTES = 2
# Star velocity is worth at most this many fresh votes: code popularity nudges, votes decide.
STAR_BONUS_CAP = 3.0
STAR_BONUS_WEIGHT = 0.5


@dataclass(frozen=True)
class VoteTally:
    """A paper's local votes inside a window, summarised (what a database can aggregate for us).

    ``decayed`` is the sum over those votes of ``decay(now - vote time)``.
    """

    decayed: float = 0.0
    count: int = 0
    last_day: int = 0
    last_hour: int = 0
    latest: dt.datetime | None = None


@dataclass(frozen=True)
class PaperSignal:
    """Everything trending knows about one paper: its votes as timestamps, or already tallied."""

    paper_id: Hashable
    votes: tuple[dt.datetime, ...] = ()
    tallied: VoteTally | None = None  # when given, used instead of ``votes``
    imported_upvotes: int = 0
    listing_date: dt.date | None = None
    # When the imported upvotes count as cast; default: the start of the listing day (imported_at).
    imported_time: dt.datetime | None = None
    stars_today: int = 0
    hidden: bool = False


@dataclass
class _Tally:
    """Counts behind a score, kept to explain it."""

    score: float = 0.0
    in_window: int = 0
    last_day: int = 0
    last_hour: int = 0
    imported: int = 0
    listed: dt.date | None = None
    latest: dt.datetime | None = None
    stars: int = 0


def window_delta(window: str) -> dt.timedelta:
    """The length of a named window; raises ``ValueError`` for an unknown name."""
    try:
        return WINDOWS[window]
    except KeyError:
        raise ValueError(f"unknown trending window {window!r}; use one of {', '.join(WINDOWS)}") from None


def window_half_life(window: str, day_half_life_hours: float) -> float:
    """The half-life used for ``window``: the day window's, scaled by the window's length.

    With one half-life for every window, a month's most-voted papers never show under Month (a
    24 h half-life leaves a three-week-old vote 0.00002 of its weight). Scaled, each window ranks
    what was hot in it: a vote at the window's start keeps half the weight of a fresh one.
    """
    return day_half_life_hours * (window_delta(window) / WINDOWS["day"])


def decay(age: dt.timedelta, half_life_hours: float) -> float:
    """Weight of one vote of the given age: 1 when fresh, 0.5 after one half-life."""
    hours = max(age.total_seconds(), 0.0) / 3600.0
    return 0.5 ** (hours / half_life_hours)


def star_bonus(stars_today: int) -> float:
    """Bounded bonus for stars gained in the last 24 h (never negative, at most STAR_BONUS_CAP)."""
    if stars_today <= 0:
        return 0.0
    return min(STAR_BONUS_CAP, STAR_BONUS_WEIGHT * math.log2(1 + stars_today))


def imported_at(listing_date: dt.date) -> dt.datetime:
    """When imported upvotes are taken to have been cast: the start of the listing day, UTC."""
    return dt.datetime.combine(listing_date, dt.time(0), tzinfo=dt.UTC)


def _events(signal: PaperSignal) -> list[tuple[dt.datetime, int]]:
    """The paper's vote events as ``(timestamp, weight)``: local votes, then imported upvotes."""
    events = [(ts, 1) for ts in signal.votes]
    if signal.imported_upvotes > 0 and signal.listing_date is not None:
        events.append((imported_at(signal.listing_date), signal.imported_upvotes))
    return events


def tally_votes(
    votes: Iterable[dt.datetime], *, now: dt.datetime, window: str, half_life_hours: float
) -> VoteTally:
    """Summarise vote timestamps over ``window`` ending at ``now`` (votes outside it are ignored)."""
    start = now - window_delta(window)
    decayed, count, last_day, last_hour, latest = 0.0, 0, 0, 0, None
    for ts in votes:
        if start < ts <= now:
            decayed += decay(now - ts, half_life_hours)
            count += 1
            last_day += ts > now - dt.timedelta(days=1)
            last_hour += ts > now - dt.timedelta(hours=1)
            latest = ts if latest is None else max(latest, ts)
    return VoteTally(decayed, count, last_day, last_hour, latest)


def tally(signal: PaperSignal, *, now: dt.datetime, window: str, half_life_hours: float) -> _Tally:
    """Score one paper over ``window`` ending at ``now`` and count what the reason will say."""
    start = now - window_delta(window)
    votes = signal.tallied or tally_votes(signal.votes, now=now, window=window, half_life_hours=half_life_hours)
    t = _Tally(score=votes.decayed, in_window=votes.count, last_day=votes.last_day, last_hour=votes.last_hour,
               latest=votes.latest)
    if signal.imported_upvotes > 0 and signal.listing_date is not None:
        ts = signal.imported_time or imported_at(signal.listing_date)
        if start < ts <= now:
            t.score += signal.imported_upvotes * decay(now - ts, half_life_hours)
            t.in_window += signal.imported_upvotes
            t.imported = signal.imported_upvotes
            t.listed = signal.listing_date
            t.latest = ts if t.latest is None else max(t.latest, ts)
    t.stars = max(signal.stars_today, 0)
    t.score += star_bonus(t.stars)
    return t


def score(signal: PaperSignal, *, now: dt.datetime, window: str = "week",
          half_life_hours: float = DEFAULT_HALF_LIFE_HOURS) -> float:
    """The paper's trending score, ignoring the floor and the hidden flag."""
    return tally(signal, now=now, window=window, half_life_hours=half_life_hours).score


def reason(t: _Tally, *, window: str) -> str:
    """Human-readable explanation: "12 votes in the last 24 h, 3 in the last hour; code repo +40 stars today"."""
    local = t.in_window - t.imported
    parts = []
    if window == "day":
        parts.append(_votes(local, "in the last 24 h"))
    else:
        parts.append(_votes(local, f"in the last {WINDOW_LABELS[window]}"))
        if t.last_day and t.last_day != local:
            parts.append(f"{t.last_day} in the last 24 h")
    if t.last_hour:
        parts.append(f"{t.last_hour} in the last hour")
    text = ", ".join(parts)
    extras = []
    if t.imported:
        listed = f" (listed {t.listed.day} {t.listed:%b})" if t.listed else ""
        extras.append(f"{t.imported} imported upvote{'s' if t.imported != 1 else ''}{listed}")
    if t.stars:
        extras.append(f"code repo +{t.stars} star{'s' if t.stars != 1 else ''} today")
    if local == 0 and extras:
        text = "; ".join(extras)
    elif extras:
        text = "; ".join([text, *extras])
    return text


def _votes(n: int, when: str) -> str:
    return f"{n} vote{'s' if n != 1 else ''} {when}"


def rank(
    signals: Iterable[PaperSignal],
    *,
    now: dt.datetime,
    window: str = "week",
    half_life_hours: float = DEFAULT_HALF_LIFE_HOURS,
    min_votes: int = DEFAULT_MIN_VOTES,
) -> list[tuple[Hashable, float, str]]:
    """Rank papers for a window ending at ``now``: ``[(paper_id, score, reason)]``, best first.

    Papers that are hidden or have fewer than ``min_votes`` votes inside the window are left out.
    Ties break on more votes in the window, then the most recent vote, then the smaller paper id,
    so the order never depends on input order.
    """
    window_delta(window)
    if half_life_hours <= 0:
        raise ValueError("half_life_hours must be positive")
    scored = []
    for signal in signals:
        if signal.hidden:
            continue
        t = tally(signal, now=now, window=window, half_life_hours=half_life_hours)
        if t.in_window < max(min_votes, 1):
            continue
        latest = t.latest.timestamp() if t.latest else 0.0
        scored.append((-t.score, -t.in_window, -latest, _sort_key(signal.paper_id), signal.paper_id, t))
    scored.sort(key=lambda row: row[:4])
    return [(row[4], row[5].score, reason(row[5], window=window)) for row in scored]


def _sort_key(paper_id: Hashable) -> tuple[int, object]:
    # Ints before strings, each in natural order: deterministic for mixed id types.
    return (0, paper_id) if isinstance(paper_id, int) else (1, str(paper_id))


def series_ends(*, now: dt.datetime, window: str, points: int) -> list[dt.datetime]:
    """The instants a score series is sampled at: ``points`` evenly spaced ends, the last being ``now``."""
    length = window_delta(window)
    start = now - length
    return [start + length * (i + 1) / points for i in range(points)]


def bucket_sums(votes: Iterable[dt.datetime], *, ends: list[dt.datetime], start: dt.datetime,
                half_life_hours: float) -> list[float]:
    """For each bucket ``(ends[j-1], ends[j]]``: the sum of ``decay(ends[j] - t)`` over its votes."""
    sums = [0.0] * len(ends)
    for ts in votes:
        if not (start < ts <= ends[-1]):
            continue
        j = next(i for i, end in enumerate(ends) if ts <= end)
        sums[j] += decay(ends[j] - ts, half_life_hours)
    return sums


def series_from_buckets(
    sums: list[float],
    *,
    ends: list[dt.datetime],
    start: dt.datetime,
    half_life_hours: float,
    imported_upvotes: int = 0,
    listing_date: dt.date | None = None,
    imported_time: dt.datetime | None = None,
) -> list[float]:
    """The score at each end, from per-bucket decayed sums (exact: decay factorises over time)."""
    imported_ts = None
    if imported_upvotes > 0 and listing_date:
        imported_ts = imported_time or imported_at(listing_date)
    series, running = [], 0.0
    for i, end in enumerate(ends):
        # Decay factorises: the score at ends[i] is the previous one decayed over one step, plus this bucket.
        if i:
            running *= decay(end - ends[i - 1], half_life_hours)
        running += sums[i]
        value = running
        if imported_ts is not None and start < imported_ts <= end:
            value += imported_upvotes * decay(end - imported_ts, half_life_hours)
        series.append(value)
    return series


def score_series(
    signal: PaperSignal,
    *,
    now: dt.datetime,
    window: str = "week",
    points: int = 24,
    half_life_hours: float = DEFAULT_HALF_LIFE_HOURS,
) -> list[float]:
    """The paper's score sampled at ``points`` evenly spaced instants across the window, oldest first.

    Only votes cast inside the window ending at ``now`` are counted, so the series shows how the
    current score built up; the last point equals :func:`score` without the star bonus.
    """
    points = max(points, 2)
    ends = series_ends(now=now, window=window, points=points)
    start = now - window_delta(window)
    sums = bucket_sums(signal.votes, ends=ends, start=start, half_life_hours=half_life_hours)
    return series_from_buckets(sums, ends=ends, start=start, half_life_hours=half_life_hours,
                               imported_upvotes=signal.imported_upvotes, listing_date=signal.listing_date,
                               imported_time=signal.imported_time)


def daily_counts(
    events: Iterable[tuple[dt.datetime, int]], *, today: dt.date, days: int = 30
) -> list[int]:
    """Votes per UTC day for the ``days`` days ending ``today``, oldest first (for sparklines)."""
    first = today - dt.timedelta(days=days - 1)
    counts = [0] * days
    for ts, weight in events:
        day = ts.astimezone(dt.UTC).date() if ts.tzinfo else ts.date()
        if first <= day <= today:
            counts[(day - first).days] += weight
    return counts


def coerce_signals(
    *,
    paper_ids: Iterable[Hashable],
    votes: Iterable[tuple[Hashable, dt.datetime]] = (),
    imported: Mapping[Hashable, tuple[int, dt.date | None]] | None = None,
    stars: Mapping[Hashable, int] | None = None,
    hidden: Iterable[Hashable] = (),
    tallies: Mapping[Hashable, VoteTally] | None = None,
    imported_shift: dt.timedelta = dt.timedelta(0),
) -> list[PaperSignal]:
    """Build :class:`PaperSignal` rows from flat data (votes as ``(paper_id, timestamp)``, or tallies).

    ``imported_shift`` moves when imported upvotes count as cast (see the service's stale-catalogue case).
    """
    imported = imported or {}
    tallies = tallies or {}
    stars = stars or {}
    hidden_set = set(hidden)
    by_paper: dict[Hashable, list[dt.datetime]] = {}
    for pid, ts in votes:
        by_paper.setdefault(pid, []).append(ts)
    ids = list(dict.fromkeys([*paper_ids, *by_paper, *tallies]))
    return [
        PaperSignal(
            paper_id=pid,
            votes=tuple(by_paper.get(pid, ())),
            tallied=tallies.get(pid),
            imported_upvotes=imported.get(pid, (0, None))[0],
            listing_date=imported.get(pid, (0, None))[1],
            imported_time=(imported_at(imported[pid][1]) + imported_shift)
            if imported_shift and pid in imported and imported[pid][1] else None,
            stars_today=stars.get(pid, 0),
            hidden=pid in hidden_set,
        )
        for pid in ids
    ]
