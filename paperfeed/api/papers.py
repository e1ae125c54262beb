"""Paper endpoints: GET /api/daily_papers, GET /api/papers/{id} (Hugging Face's shapes)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from paperfeed.catalog import services
from paperfeed.community.services import trending_papers
from paperfeed.personal.services import for_you

from .auth import token_user
from .params import DayText, MonthText, WeekText
from .schemas import DailyPaperOut, ErrorOut, PaperOut, daily_item, paper_out

router = Router(tags=["papers"])

MAX_PAGE = 10_000


class DailyParams(Schema):
    """Query parameters of /api/daily_papers; at most one of ``date``, ``week`` and ``month``."""

    date: DayText | None = Field(None, description="A listing day, YYYY-MM-DD (default: the latest day with papers).")
    week: WeekText | None = Field(None, description="An ISO week, YYYY-Www (e.g. 2026-W24).")
    month: MonthText | None = Field(None, description="A month, YYYY-MM.")
    p: int = Field(0, ge=0, le=MAX_PAGE, description="Page number, from 0.")
    limit: int = Field(50, ge=1, le=100, description="Papers per page, 1 to 100.")
    sort: Literal["publishedAt", "trending", "personal"] | None = Field(
        None,
        description="Default: most votes first. publishedAt: newest first. trending: the community's trending list "
        "(with submitter: that member's picks by votes). personal: the token owner's For-you ranking of the "
        "recent catalogue (needs a personal access token; date, week and month are ignored).",
    )
    submitter: str | None = Field(
        None, min_length=1, max_length=150,
        description="Only this submitter's picks: a member's user name or a Hugging Face user name (any period "
        "when no date, week or month is given).",
    )
    view: Literal["picks", "all"] | None = Field(
        None, description="picks: papers put on the period's daily lists (as on Hugging Face); all (default): "
        "every paper listed in the period.",
    )


class ApiError(Exception):
    """A request the API refuses with a 400 and a JSON message."""


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
    if period is None:
        rows = trending_papers(window="week", limit=limit, offset=offset)
    else:
        end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        rows = trending_papers(window=period.kind, now=end, limit=limit, offset=offset)
    services.decorate([paper for paper, _, _ in rows])
    return [daily_item(paper, score=score, reason=reason) for paper, score, reason in rows]


@router.get(
    "/daily_papers",
    response={200: list[DailyPaperOut], 400: ErrorOut, 401: ErrorOut},
    exclude_none=True,
    summary="Papers of a day, week or month (Hugging Face's /api/daily_papers)",
)
def daily_papers(request: HttpRequest, params: Query[DailyParams]) -> Status:
    """Papers listed on ``date`` (default: the latest day), in ``week`` or in ``month``, ``limit`` per page ``p``."""
    try:
        period = _requested_period(params)
    except ApiError as exc:
        return Status(400, ErrorOut(error=str(exc)))
    offset = params.p * params.limit
    if params.sort == "personal":
        user = token_user(request)
        if user is None:
            return Status(401, ErrorOut(error="sort=personal needs a personal access token: Authorization: Bearer pf_…"))
        rows = for_you(user, now=timezone.now(), limit=offset + params.limit)[0][offset:]
        return Status(200, [daily_item(p, score=r.score, reason="; ".join(x.text for x in r.reasons)) for p, r in rows])
    if params.sort == "trending" and not params.submitter:
        return Status(200, _trending(period, offset, params.limit))
    if period is None and not params.submitter:
        latest = services.latest_day(params.view or "all")
        if latest is None:
            return Status(200, [])
        period = services.period_of(kind="day", day=latest)
    qs = services.period_papers(
        period=period, sort="published" if params.sort == "publishedAt" else "votes",
        view=params.view or "all", submitter=params.submitter,
    )
    papers = services.decorate(list(qs.defer("content_hash")[offset : offset + params.limit]))
    return Status(200, [daily_item(paper) for paper in papers])


@router.get(
    "/papers/{path:arxiv_id}",
    response={200: PaperOut, 404: ErrorOut},
    exclude_none=True,
    summary="One paper (Hugging Face's /api/papers/{id})",
)
def paper(request: HttpRequest, arxiv_id: str) -> Status:
    """One paper by arXiv id (``2406.07550``, ``hep-th/9901001``; a version suffix is ignored)."""
    found = services.paper_detail(arxiv_id=services.canonical_arxiv_id(arxiv_id))
    if found is None:
        return Status(404, ErrorOut(error=f"No paper with id {arxiv_id!r}."))
    return Status(200, paper_out(found))
