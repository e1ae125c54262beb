"""Paper endpoints: GET /api/daily_papers, GET /api/papers/{id} (Hugging Face's shapes)."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view
from pydantic import Field

from paperfeed.catalog import services
from paperfeed.catalog.models import Paper
from paperfeed.catalog.pagecache import anonymous_page_cache

from .schemas import AuthorOut, DailyPaperOut, ErrorOut, PaperOut

router = Router(tags=["papers"])

MAX_PAGE = 10_000


class DailyParams(Schema):
    """Query parameters of /api/daily_papers; at most one of ``date``, ``week`` and ``month``."""

    date: str | None = Field(None, description="A listing day, YYYY-MM-DD (default: the latest day with papers).")
    week: str | None = Field(None, description="An ISO week, YYYY-Www (e.g. 2026-W24).")
    month: str | None = Field(None, description="A month, YYYY-MM.")
    p: int = Field(0, ge=0, le=MAX_PAGE, description="Page number, from 0.")
    limit: int = Field(50, ge=1, le=100, description="Papers per page, 1 to 100.")
    sort: Literal["publishedAt", "trending"] | None = Field(
        None,
        description="Default: most votes first. publishedAt: newest first. trending: the community's trending list.",
    )


class ApiError(Exception):
    """A request the API refuses with a 400 and a JSON message."""


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    """Hugging Face's timestamp format: ``2026-06-15T00:00:00.000Z``."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def paper_out(paper: Paper) -> PaperOut:
    """A decorated paper (see ``services.decorate``) in Hugging Face's paper shape."""
    code = getattr(paper, "code_link", None)
    github = code if code is not None and code.kind == "github" else None
    project = getattr(paper, "project_link", None)
    return PaperOut(
        id=paper.arxiv_id,
        title=paper.title,
        summary=paper.abstract,
        authors=[AuthorOut(name=name) for name in paper.authors],
        publishedAt=_iso(paper.submitted_at or paper.listing_date),
        submittedOnDailyAt=_iso(paper.listing_date),
        upvotes=paper.upvotes,
        githubRepo=github.url if github else None,
        githubStars=github.stars if github else None,
        projectPage=project.url if project else None,
        categories=paper.categories,
        comment=paper.comment or None,
        journalRef=paper.journal_ref or None,
        doi=paper.doi or None,
    )


def _item(paper: Paper, score: float | None = None, reason: str | None = None) -> DailyPaperOut:
    out = paper_out(paper)
    return DailyPaperOut(
        paper=out, publishedAt=out.publishedAt, title=paper.title, summary=paper.abstract,
        trendingScore=None if score is None else round(score, 6), trendingReason=reason,
    )


def _requested_period(params: DailyParams) -> services.Period | None:
    """The period named by ``date``, ``week`` or ``month``; None when none is given."""
    given = [(k, v) for k, v in (("day", params.date), ("week", params.week), ("month", params.month)) if v]
    if len(given) > 1:
        raise ApiError("Give at most one of date, week and month.")
    if not given:
        return None
    try:
        return services.parse_period(kind=given[0][0], text=given[0][1])
    except services.PeriodError as exc:
        raise ApiError(str(exc)) from None


def _trending(period: services.Period | None, offset: int, limit: int) -> list[DailyPaperOut]:
    """The community's trending list: this week's, or as of the end of the requested period."""
    from paperfeed.community.services import trending_papers

    if period is None:
        rows = trending_papers(window="week", limit=limit, offset=offset)
    else:
        end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        rows = trending_papers(window=period.kind, now=end, limit=limit, offset=offset)
    services.decorate([paper for paper, _, _ in rows])
    return [_item(paper, score, reason) for paper, score, reason in rows]


@router.get(
    "/daily_papers",
    response={200: list[DailyPaperOut], 400: ErrorOut},
    exclude_none=True,
    summary="Papers of a day, week or month (Hugging Face's /api/daily_papers)",
)
@decorate_view(anonymous_page_cache)
def daily_papers(request: HttpRequest, params: Query[DailyParams]):
    """Papers listed on ``date`` (default: the latest day), in ``week`` or in ``month``, ``limit`` per page ``p``."""
    try:
        period = _requested_period(params)
    except ApiError as exc:
        return 400, ErrorOut(error=str(exc))
    offset = params.p * params.limit
    if params.sort == "trending":
        return 200, _trending(period, offset, params.limit)
    if period is None:
        latest = services.latest_listing_date()
        if latest is None:
            return 200, []
        period = services.period_of(kind="day", day=latest)
    qs = services.period_papers(period=period, sort="published" if params.sort == "publishedAt" else "votes")
    papers = services.decorate(list(qs.defer("content_hash")[offset : offset + params.limit]))
    return 200, [_item(paper) for paper in papers]


@router.get(
    "/papers/{path:arxiv_id}",
    response={200: PaperOut, 404: ErrorOut},
    exclude_none=True,
    summary="One paper (Hugging Face's /api/papers/{id})",
)
@decorate_view(anonymous_page_cache)
def paper(request: HttpRequest, arxiv_id: str):
    """One paper by arXiv id (``2406.07550``, ``hep-th/9901001``; a version suffix is ignored)."""
    found = services.paper_detail(arxiv_id=services.canonical_arxiv_id(arxiv_id))
    if found is None:
        return 404, ErrorOut(error=f"No paper with id {arxiv_id!r}.")
    return 200, paper_out(found)
