"""Catalogue queries behind the pages and the API: periods (day, week, month), papers, authors.

Views and API handlers call these functions and render what they return; nothing here renders.
Papers in a listing are ordered by votes (local votes plus imported upvotes), then recency.

A period has two views: ``all`` (every paper listed in it, by ``listing_date``) and ``picks``
(papers put on its daily lists by a member or by Hugging Face's submitters, by ``picked_at``'s
UTC day), as on Hugging Face's Daily Papers.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import functools
import math
import re
from urllib.parse import quote
from typing import Literal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F, Max, Min, Prefetch, Q, QuerySet
from django.urls import reverse

from .models import Author, Authorship, CodeLink, Paper

PAGE_SIZE = 50
MIN_YEAR, MAX_YEAR = 1900, 2999
# A list item names at most this many authors; the paper page names them all.
LIST_AUTHORS = 12

PeriodKind = Literal["day", "week", "month"]
View = Literal["picks", "all"]
VIEWS: tuple[View, ...] = ("picks", "all")

_DAY_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_WEEK_RE = re.compile(r"([0-9]{4})-W([0-9]{2})")
_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
_VERSION_RE = re.compile(r"v\d+$")


class PeriodError(ValueError):
    """A date, week or month parameter that is malformed or out of range."""


@dataclasses.dataclass(frozen=True, slots=True)
class Period:
    """A listing period: one day, one ISO week or one calendar month (``end`` inclusive)."""

    kind: PeriodKind
    start: dt.date
    end: dt.date

    @property
    def slug(self) -> str:
        """The period as written in URLs: ``2026-06-15``, ``2026-W24`` or ``2026-06``."""
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        """A human title for the period."""
        if self.kind == "day":
            return self.start.strftime("%A, %B %-d, %Y")
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"Week {week}, {year} ({self.start:%b %-d} – {self.end:%b %-d})"
        return self.start.strftime("%B %Y")

    @property
    def url(self) -> str:
        """The page listing this period."""
        name = {"day": "catalog:date", "week": "catalog:week", "month": "catalog:month"}[self.kind]
        return reverse(name, args=[self.slug])

    def containing(self, kind: PeriodKind) -> Period:
        """The period of ``kind`` that contains this period's first day."""
        return period_of(kind=kind, day=self.start)


@dataclasses.dataclass(slots=True)
class Listing:
    """One page of a period's papers with the nearest periods that have papers."""

    period: Period
    papers: list[Paper]
    total: int
    page: int  # 1-based
    pages: int
    previous: Period | None
    next: Period | None
    view: View = "all"


@dataclasses.dataclass(slots=True)
class AuthorPage:
    """An author and one page of their papers, newest first."""

    author: Author
    papers: list[Paper]
    total: int
    page: int
    pages: int


def period_of(*, kind: PeriodKind, day: dt.date) -> Period:
    """Return the day, ISO week or month that contains ``day``."""
    if kind == "day":
        return Period("day", day, day)
    if kind == "week":
        start = day - dt.timedelta(days=day.weekday())
        return Period("week", start, start + dt.timedelta(days=6))
    last = calendar.monthrange(day.year, day.month)[1]
    return Period("month", day.replace(day=1), day.replace(day=last))


def parse_period(*, kind: PeriodKind, text: str) -> Period:
    """Parse ``YYYY-MM-DD``, ``YYYY-Www`` or ``YYYY-MM`` into a period; raise PeriodError if invalid."""
    m = {"day": _DAY_RE, "week": _WEEK_RE, "month": _MONTH_RE}[kind].fullmatch(text)
    if not m:
        raise PeriodError(f"{text!r} is not a valid {_FORMATS[kind]}")
    # Far-off years would overflow date arithmetic (week ends, neighbours); nothing is listed there.
    if not MIN_YEAR <= int(m[1]) <= MAX_YEAR:
        raise PeriodError(f"{text!r} is outside the years {MIN_YEAR}–{MAX_YEAR}")
    try:
        if kind == "day":
            return period_of(kind="day", day=dt.date(int(m[1]), int(m[2]), int(m[3])))
        if kind == "week":
            return period_of(kind="week", day=dt.date.fromisocalendar(int(m[1]), int(m[2]), 1))
        return period_of(kind="month", day=dt.date(int(m[1]), int(m[2]), 1))
    except ValueError as exc:
        raise PeriodError(f"{text!r} is not a valid {_FORMATS[kind]}: {exc}") from None


_FORMATS = {"day": "date (YYYY-MM-DD)", "week": "ISO week (YYYY-Www)", "month": "month (YYYY-MM)"}


def visible_papers() -> QuerySet[Paper]:
    """Every paper a reader may see."""
    return Paper.objects.filter(hidden=False)


def latest_listing_date() -> dt.date | None:
    """The most recent listing date that has a visible paper, or None for an empty catalogue."""
    return visible_papers().aggregate(d=Max("listing_date"))["d"]


def latest_pick_date() -> dt.date | None:
    """The UTC day of the most recent pick of a visible paper, or None when nothing was picked."""
    latest = visible_papers().aggregate(at=Max("picked_at"))["at"]
    return latest.astimezone(dt.UTC).date() if latest else None


def latest_day(view: View) -> dt.date | None:
    """The day a view opens on without a date: the latest pick day for picks (else the latest listing day)."""
    return (latest_pick_date() if view == "picks" else None) or latest_listing_date()


def ranked(qs: QuerySet[Paper]) -> QuerySet[Paper]:
    """Order papers by votes (local plus imported), then newest first."""
    return qs.annotate(total_votes=F("vote_count") + F("imported_upvotes")).order_by(
        F("total_votes").desc(), F("submitted_at").desc(nulls_last=True), F("arxiv_id").desc()
    )


def neighbours(*, period: Period, view: View = "all") -> tuple[Period | None, Period | None]:
    """The nearest earlier and later periods of the same kind that have papers (picks, in the Picks view)."""
    qs = visible_papers()
    if view == "picks":
        before_at = qs.filter(picked_at__lt=_midnight(period.start)).aggregate(at=Max("picked_at"))["at"]
        after_at = qs.filter(picked_at__gte=_midnight(period.end + dt.timedelta(days=1))).aggregate(at=Min("picked_at"))["at"]
        return (
            period_of(kind=period.kind, day=before_at.astimezone(dt.UTC).date()) if before_at else None,
            period_of(kind=period.kind, day=after_at.astimezone(dt.UTC).date()) if after_at else None,
        )
    before = qs.filter(listing_date__lt=period.start).aggregate(d=Max("listing_date"))["d"]
    after = qs.filter(listing_date__gt=period.end).aggregate(d=Min("listing_date"))["d"]
    return (
        period_of(kind=period.kind, day=before) if before else None,
        period_of(kind=period.kind, day=after) if after else None,
    )


def first_day(*, period: Period) -> Period:
    """The first day within ``period`` that has papers (its first day when none has)."""
    qs = visible_papers().filter(listing_date__gte=period.start, listing_date__lte=period.end)
    day = qs.aggregate(d=Min("listing_date"))["d"] or period.start
    return period_of(kind="day", day=day)


def default_view() -> View:
    """The view the daily, week and month pages show without ``?view=`` (DAILY_DEFAULT_VIEW)."""
    return "picks" if settings.DAILY_DEFAULT_VIEW == "picks" else "all"


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def picks_in(qs: QuerySet[Paper], period: Period) -> QuerySet[Paper]:
    """The papers of ``qs`` picked on a day of ``period`` (UTC days)."""
    return qs.filter(picked_at__gte=_midnight(period.start), picked_at__lt=_midnight(period.end + dt.timedelta(days=1)))


def submitter_picks(qs: QuerySet[Paper], submitter: str) -> QuerySet[Paper]:
    """The papers of ``qs`` picked by ``submitter``: a member's user name or an imported HF name."""
    name = submitter.strip()
    return qs.filter(picked_at__isnull=False).filter(Q(picked_by__username__iexact=name) | Q(picked_by_name__iexact=name))


def period_papers(
    *, period: Period | None, sort: str = "votes", view: View = "all", submitter: str | None = None
) -> QuerySet[Paper]:
    """A period's visible papers (every period when None), by votes (``votes``) or newest first (``published``).

    ``view="picks"`` keeps the papers picked in the period; ``submitter`` keeps one submitter's picks.
    """
    qs = visible_papers()
    if view == "picks" or submitter:
        qs = picks_in(qs, period) if period is not None else qs.filter(picked_at__isnull=False)
    elif period is not None:
        qs = qs.filter(listing_date__gte=period.start, listing_date__lte=period.end)
    if submitter:
        qs = submitter_picks(qs, submitter)
    if sort == "published":
        return qs.order_by(F("submitted_at").desc(nulls_last=True), F("arxiv_id").desc())
    return ranked(qs)


def period_listing(*, period: Period, page: int = 1, per_page: int = PAGE_SIZE, view: View = "all") -> Listing:
    """One page (1-based) of a period's papers with previous/next navigation; empty past the end."""
    qs = period_papers(period=period, view=view)
    total = qs.count()
    pages = max(1, math.ceil(total / per_page))
    papers = list(qs.defer("content_hash")[(page - 1) * per_page : page * per_page]) if page >= 1 else []
    decorate(papers)
    previous, following = neighbours(period=period, view=view)
    return Listing(period, papers, total, page, pages, previous, following, view)


@functools.cache
def _url_prefix(name: str) -> str:
    return reverse(name, args=["-"])[:-1]


def author_url(key: str) -> str:
    """``/authors/<key>``, built without a reverse() per author (a listing links hundreds)."""
    return _url_prefix("catalog:author") + quote(key, safe="")


def paper_url(arxiv_id: str) -> str:
    """``/papers/<arxiv_id>``, the same as ``Paper.get_absolute_url`` but cheaper."""
    return _url_prefix("catalog:paper") + quote(arxiv_id, safe="/")


def decorate(papers: list[Paper]) -> list[Paper]:
    """Attach ``url``, ``author_links`` [(name, url|None)], ``code_link``, ``project_link`` and ``picker``.

    Two queries for the whole list (three when members picked some), so a page of fifty papers
    costs four queries in all. ``picker`` is the submitter's name ("" when not a pick or unknown);
    ``picker_is_member`` says whether it is a local account rather than a Hugging Face user.
    """
    ids = [p.pk for p in papers]
    links: dict[int, list[tuple[str, str | None]]] = {}
    for paper_id, name, key in (
        Authorship.objects.filter(paper_id__in=ids)
        .order_by("paper_id", "position")
        .values_list("paper_id", "author__name", "author__key")
    ):
        links.setdefault(paper_id, []).append((name, author_url(key) if key else None))
    code: dict[int, list[CodeLink]] = {}
    for link in CodeLink.objects.filter(paper_id__in=ids):
        code.setdefault(link.paper_id, []).append(link)
    for paper in papers:
        paper.url = paper_url(paper.arxiv_id)
        # Papers ingested without Authorship rows still show their names, just without links.
        paper.author_links = links.get(paper.pk) or [(name, None) for name in paper.authors]
        paper.code_link = best_code_link(code.get(paper.pk, []))
        paper.project_link = project_page(code.get(paper.pk, []))
    _attach_pickers(papers)
    return papers


def _attach_pickers(papers: list[Paper]) -> None:
    member_ids = {p.picked_by_id for p in papers if p.picked_by_id is not None}
    names: dict[int, str] = {}
    if member_ids:
        names = dict(get_user_model().objects.filter(pk__in=member_ids).values_list("pk", "username"))
    for paper in papers:
        paper.picker_is_member = paper.picked_by_id is not None
        paper.picker = names.get(paper.picked_by_id, "") if paper.picker_is_member else paper.picked_by_name


_KIND_RANK = {CodeLink.Kind.GITHUB: 0, CodeLink.Kind.GITLAB: 1, CodeLink.Kind.HUGGINGFACE: 2}


def best_code_link(links: list[CodeLink]) -> CodeLink | None:
    """The link a reader most likely wants: code before project pages, then most stars."""
    code = [link for link in links if link.kind in _KIND_RANK]
    if not code:
        return None
    return min(code, key=lambda link: (_KIND_RANK[link.kind], -(link.stars or 0), link.url))


def project_page(links: list[CodeLink]) -> CodeLink | None:
    """The first project-page link, if any."""
    return next((link for link in links if link.kind == CodeLink.Kind.PROJECT), None)


def canonical_arxiv_id(arxiv_id: str) -> str:
    """Strip a version suffix: ``2406.07550v2`` -> ``2406.07550``."""
    return _VERSION_RE.sub("", arxiv_id.strip())


def paper_detail(*, arxiv_id: str) -> Paper | None:
    """A visible paper with its code links (most stars first), versions and linked authors."""
    paper = (
        visible_papers()
        .prefetch_related(
            Prefetch("code_links", queryset=CodeLink.objects.order_by(F("stars").desc(nulls_last=True), "url")),
            "versions",
        )
        .filter(arxiv_id=arxiv_id)
        .first()
    )
    if paper is None:
        return None
    decorate([paper])
    paper.all_code_links = list(paper.code_links.all())
    paper.all_versions = list(paper.versions.all())
    return paper


def author_page(*, key: str, page: int = 1, per_page: int = PAGE_SIZE) -> AuthorPage | None:
    """An author (by key) and one page of their visible papers, newest first; None if unknown."""
    author = Author.objects.filter(key=key).first()
    if author is None:
        return None
    qs = visible_papers().filter(authorships__author=author).distinct()
    total = qs.count()
    pages = max(1, math.ceil(total / per_page))
    ordered = qs.order_by(
        F("listing_date").desc(nulls_last=True), F("submitted_at").desc(nulls_last=True), F("arxiv_id").desc()
    )
    papers = list(ordered.defer("content_hash")[(page - 1) * per_page : page * per_page]) if page >= 1 else []
    decorate(papers)
    return AuthorPage(author, papers, total, page, pages)
