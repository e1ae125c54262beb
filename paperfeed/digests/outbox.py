"""The delivery outbox: which periods are due, and composing them into Delivery rows
(``sender.py`` claims and sends those rows).

Guarantee (see docs/digests.md): every due subscriber gets one digest per period; a run may be
killed at any point and re-run, and several runs may overlap. A row left in ``sending`` was never
accepted and is sent again (``resent_after_crash``); a row left in ``handed_off`` had its end of
DATA written and is recorded as sent without a resend (``assumed_delivered``). The one window left
is the few microseconds between committing ``handed_off`` and writing the terminator: a crash
there loses that digest; nothing can make it arrive twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from paperfeed.catalog.authors import author_key
from paperfeed.catalog.models import Paper
from paperfeed.community.services import trending_papers
from paperfeed.personal.batch import reader_signals
from paperfeed.personal.services import saved_search_matches

from .compose import Candidate, CandidatePool, Digest, Prefs, compose
from .models import Delivery, SentPaper, Subscriber

CHUNK = 2000


@dataclasses.dataclass
class SendStats:
    """What one ``send_due`` run did."""

    enqueued: int = 0
    empty: int = 0  # due subscribers whose digest came out empty (nothing sent)
    sent: int = 0
    failed_temp: int = 0
    failed_perm: int = 0
    cancelled: int = 0
    resent_after_crash: int = 0  # rows found in ``sending`` (never accepted) and sent again
    assumed_delivered: int = 0  # ``handed_off`` rows whose reply never came: recorded as sent
    lost_claims: int = 0
    aborted: str = ""
    periods: list[str] = dataclasses.field(default_factory=list)

    def merge(self, other: SendStats) -> None:
        for f in ("sent", "failed_temp", "failed_perm", "cancelled", "resent_after_crash", "assumed_delivered", "lost_claims"):
            setattr(self, f, getattr(self, f) + getattr(other, f))
        self.aborted = self.aborted or other.aborted


# --- periods --------------------------------------------------------------------------------
def period_key(frequency: str, now: dt.datetime) -> str:
    """'daily:2026-11-27' or 'weekly:2026-W48' for ``now`` (UTC)."""
    now = now.astimezone(dt.UTC)
    if frequency == Subscriber.Frequency.WEEKLY:
        iso = now.isocalendar()
        return f"weekly:{iso.year}-W{iso.week:02d}"
    return f"daily:{now.date().isoformat()}"


def due_frequencies(now: dt.datetime, only: str | None = None) -> list[str]:
    """Frequencies with digests due at ``now``: daily on weekdays and weekly, from DIGEST_HOUR_UTC on."""
    now = now.astimezone(dt.UTC)
    if now.hour < settings.DIGEST_HOUR_UTC:
        return []
    out = []
    if now.weekday() < 5:
        out.append(Subscriber.Frequency.DAILY)
    out.append(Subscriber.Frequency.WEEKLY)  # for subscribers whose chosen weekday is today
    return [f for f in out if only in (None, f)]


# --- enqueue (composition) ------------------------------------------------------------------
def build_pool(frequency: str, now: dt.datetime) -> CandidatePool:
    """The period's trending papers as a composition pool (vectorised once)."""
    windows = ("week", "month") if frequency == Subscriber.Frequency.WEEKLY else ("day", "week")
    limit = settings.DIGEST_CANDIDATES
    # At the real "now", ask for the list the trending page shows (which falls back to the
    # catalogue's latest activity when nothing trended recently); an explicit past or future
    # time asks for that moment exactly (tests, backfills).
    as_of = None if abs(timezone.now() - now) < dt.timedelta(minutes=30) else now
    rows: list = []
    seen: set[int] = set()
    for window in windows:
        # The period's own window first; a quiet period is topped up from the next longer one
        # (history keeps anything already received out).
        for paper, score, reason in trending_papers(window=window, now=as_of, limit=limit):
            if paper.pk not in seen and len(rows) < limit:
                seen.add(paper.pk)
                rows.append((paper, score, reason))
        if len(rows) >= limit // 2:
            break
    return CandidatePool([candidate_from(p, score, reason) for p, score, reason in rows if not p.hidden])


def candidate_from(paper: Paper, score: float, reason: str) -> Candidate:
    """A composition candidate from a trending row."""
    reason = reason.strip()
    if reason and not reason.lower().startswith("trending"):
        reason = f"trending: {reason}"
    return Candidate(
        paper_id=paper.pk,
        title=paper.title,
        text=f"{paper.title}\n{paper.abstract}",
        categories=tuple(paper.categories or ()),
        score=float(score),
        reason=reason or "trending",
        authors=tuple(author_key(name) for name in paper.authors or ()),  # follows and "not interested" match these
        people=(paper.picked_by_id,) if paper.picked_by_id else (),
    )


def due_subscribers(frequency: str, now: dt.datetime):
    """Active subscribers of ``frequency`` due at ``now`` that have no delivery for this period yet.

    An empty digest does not count: the subscriber is composed again on the next run, so papers
    that trend later in the period (or changed preferences) still make this period's digest.
    """
    qs = Subscriber.objects.filter(status=Subscriber.Status.ACTIVE, frequency=frequency)
    if frequency == Subscriber.Frequency.WEEKLY:
        qs = qs.filter(weekday=now.astimezone(dt.UTC).weekday())
    taken = Delivery.objects.filter(period=period_key(frequency, now)).exclude(status=Delivery.Status.EMPTY)
    return qs.exclude(pk__in=taken.values("subscriber_id"))


def prefs_of(sub: Subscriber, profile=None) -> Prefs:
    """Plain-value preferences of a subscriber."""
    return Prefs(
        size=sub.size,
        include_categories=tuple(sub.include_categories or ()),
        exclude_categories=tuple(sub.exclude_categories or ()),
        topics=tuple(t for t in (sub.topics or ()) if t.strip()),
        profile=profile,
    )


def enqueue(*, frequency: str, now: dt.datetime, progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Compose and store a pending Delivery for every due subscriber; returns (enqueued, empty).

    An empty digest is stored as an ``empty`` row and never sent. Safe to run concurrently: the
    unique (period, subscriber) constraint keeps one row each (the counts are then approximate).
    """
    period = period_key(frequency, now)
    due = due_subscribers(frequency, now).only(*PREF_FIELDS)
    if not due.exists():
        return 0, 0
    pool = build_pool(frequency, now)
    enqueued = empty = 0
    last = 0
    while chunk := list(due.filter(pk__gt=last).order_by("pk")[:CHUNK]):
        last = chunk[-1].pk
        composed = compose_chunk(chunk, pool=pool, now=now)
        store_deliveries(composed, period=period, now=now)
        n_empty = sum(1 for _, digest in composed if digest is None)
        empty += n_empty
        enqueued += len(composed) - n_empty
        if progress:
            progress(len(chunk))
    return enqueued, empty


PREF_FIELDS = ("id", "user_id", "size", "include_categories", "exclude_categories", "topics", "use_my_votes")


def compose_chunk(chunk: list[Subscriber], *, pool: CandidatePool, now: dt.datetime) -> list[tuple[int, Digest | None]]:
    """Compose the digests of a chunk of subscribers (batched topic vectors, history, profiles)."""
    pool.prime_topics(t for s in chunk for t in (s.topics or ()))
    history: dict[int, set[int]] = defaultdict(set)
    searches = saved_search_matches({s.user_id for s in chunk if s.user_id})  # the "saved searches" section
    wanted = pool.ids.tolist() + sorted({p for by in searches.values() for ids in by.values() for p in ids})
    if wanted:
        for sid, pid in SentPaper.objects.filter(
            subscriber_id__in=[s.pk for s in chunk], paper_id__in=wanted
        ).values_list("subscriber_id", "paper_id"):
            history[sid].add(pid)
    # An account's For-you signals, so that its items say what the page says ("close to X, which you upvoted").
    readers = reader_signals({s.user_id for s in chunk if s.user_id},
                             with_liked={s.user_id for s in chunk if s.use_my_votes and s.user_id})
    out = []
    for sub in chunk:
        prefs = dataclasses.replace(prefs_of(sub), saved_searches=searches.get(sub.user_id, {}))
        if (reader := readers.get(sub.user_id)) is not None:
            prefs = dataclasses.replace(
                prefs, liked=reader.liked if sub.use_my_votes else (), followed_authors=reader.followed_authors,
                followed_people=reader.followed_people, not_papers=reader.not_papers, not_authors=reader.not_authors,
                not_topics=reader.not_topics, dropped=reader.dropped)
        out.append((sub.pk, compose(pool, prefs, history.get(sub.pk, ()), now)))
    return out


def store_deliveries(composed: list[tuple[int, Digest | None]], *, period: str, now: dt.datetime) -> None:
    """Insert the outbox rows of one chunk; a row that already exists (another run) is kept as is,
    except an ``empty`` one, which a digest that now has papers replaces.

    Plain SQL (INSERT … ON CONFLICT, the same on SQLite and PostgreSQL): the ORM's per-field
    preparation cost more than composing the digests.
    """
    connection = db_connection
    json_field = Delivery._meta.get_field("paper_ids")
    when = connection.ops.adapt_datetimefield_value(now)
    created = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = []
    for subscriber_id, digest in composed:
        ids, reasons = (digest.paper_ids, [i.reason for i in digest.items]) if digest else ([], [])
        status = Delivery.Status.PENDING if digest else Delivery.Status.EMPTY
        rows.append((
            subscriber_id, period, status, when,
            json_field.get_db_prep_save(ids, connection), json_field.get_db_prep_save(reasons, connection), created,
        ))  # fmt: skip
    empty = Delivery.Status.EMPTY.value
    sql = (
        f"INSERT INTO {Delivery._meta.db_table} (subscriber_id, period, status, next_attempt_at, paper_ids, reasons, "
        "created_at, attempts, claimed_by, message_id, last_error) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, 0, '', '', '') ON CONFLICT (period, subscriber_id) DO UPDATE SET "
        "status = excluded.status, paper_ids = excluded.paper_ids, reasons = excluded.reasons, "
        "next_attempt_at = excluded.next_attempt_at "
        f"WHERE {Delivery._meta.db_table}.status = '{empty}' AND excluded.status <> '{empty}'"
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.executemany(sql, rows)
