"""Every object the API returns, one Schema each, in Hugging Face's /api shapes, and the functions that fill them.

Timestamps are written one way everywhere: ISO 8601 in UTC with milliseconds and ``Z``
(``2024-06-10T13:37:00.000Z``), by :func:`timestamp`.

``publishedAt`` means what it means to Hugging Face's client (huggingface_hub's ``PaperInfo``):
inside ``paper`` (and at the top of /api/papers/{id}) the paper's first arXiv version; at the top
of a list item the moment it went onto the daily list (``submittedOnDailyAt``: the pick's time,
else midnight of its listing day). The builders use ``model_construct``
because django-ninja validates every response against these schemas once on the way out;
validating here as well tripled the cost of the daily list.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import PlainSerializer, WithJsonSchema

from paperfeed.catalog.models import Paper
from paperfeed.search.services import SearchHit

TIMESTAMP_EXAMPLE = "2024-06-10T13:37:00.000Z"
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"


def timestamp(value: dt.datetime | dt.date) -> str:
    """``value`` in Hugging Face's format, ``2024-06-10T13:37:00.000Z``; a date is its midnight UTC."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    elif value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    # A naive datetime is taken as UTC: the database's datetimes are all aware.
    return value.isoformat(timespec="milliseconds") + "Z"


Timestamp = Annotated[
    dt.datetime | dt.date,
    PlainSerializer(timestamp, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN,
                    "examples": [TIMESTAMP_EXAMPLE]}),
]


class AuthorNameOut(Schema):
    """An author as a search hit lists them: the name only."""

    name: str


class AuthorOut(Schema):
    """One author as Hugging Face lists them on a paper (``name`` is what clients read)."""

    name: str
    hidden: bool = False


class UserOut(Schema):
    """A submitter in Hugging Face's user shape: ``name`` and ``user`` are the user name."""

    name: str
    user: str
    fullname: str
    type: str = "user"
    isPro: bool = False


class PaperOut(Schema):
    """A paper in Hugging Face's shape, plus ``categories`` (primary first).

    Keys a paper has no value for (``githubRepo``, ``projectPage``, …) are left out of the JSON,
    as Hugging Face does, rather than sent as null.
    """

    id: str
    title: str
    summary: str
    authors: list[AuthorOut]
    publishedAt: Timestamp | None = None
    submittedOnDailyAt: Timestamp | None = None
    submittedOnDailyBy: UserOut | None = None
    upvotes: int
    githubRepo: str | None = None
    githubStars: int | None = None
    projectPage: str | None = None
    categories: list[str] = []
    comment: str | None = None
    journalRef: str | None = None
    doi: str | None = None
    numComments: int = 0


class DailyPaperOut(Schema):
    """One item of /api/daily_papers: the paper and the listing's own copy of its headline fields.

    ``githubRepo``, ``githubStars``, ``projectPage`` and ``submittedOnDailyBy`` are repeated at the
    top because that is where huggingface_hub reads them; ``submittedBy`` is HF's own top-level key.
    """

    paper: PaperOut
    publishedAt: Timestamp | None = None
    submittedOnDailyAt: Timestamp | None = None
    submittedOnDailyBy: UserOut | None = None
    submittedBy: UserOut | None = None
    title: str
    summary: str
    githubRepo: str | None = None
    githubStars: int | None = None
    projectPage: str | None = None
    numComments: int = 0
    isAuthorParticipating: bool = False
    trendingScore: float | None = None
    trendingReason: str | None = None


class SearchPaperOut(Schema):
    """The paper inside a search hit: its headline fields (``publishedAt`` is null when unknown)."""

    id: str
    title: str
    summary: str
    authors: list[AuthorNameOut]
    publishedAt: Timestamp | None
    upvotes: int
    categories: list[str]


class SearchHitOut(Schema):
    """One item of /api/papers/search: the paper, its headline fields and the fused score."""

    paper: SearchPaperOut
    title: str
    publishedAt: Timestamp | None
    score: float


class ErrorOut(Schema):
    """Every error of this API: a message saying what was wrong (``detail`` for validation)."""

    error: str
    detail: list | None = None


def on_daily_at(paper: Paper) -> dt.datetime | dt.date | None:
    """When ``paper`` went onto the daily list: its pick's time, else its listing day."""
    return paper.picked_at or paper.listing_date


def submitter(paper: Paper) -> UserOut | None:
    """Who picked a decorated ``paper``, in HF's user shape; None when not a pick or unknown."""
    if not paper.picked_at or not paper.picker:
        return None
    return UserOut.model_construct(name=paper.picker, user=paper.picker, fullname=paper.picker, type="user", isPro=False)


def paper_out(paper: Paper) -> PaperOut:
    """A decorated paper (see ``catalog.services.decorate``) as a PaperOut."""
    github = paper.code_link if paper.code_link is not None and paper.code_link.kind == "github" else None
    return PaperOut.model_construct(
        id=paper.arxiv_id,
        title=paper.title,
        summary=paper.abstract,
        authors=[AuthorOut.model_construct(name=name) for name in paper.authors],
        publishedAt=paper.submitted_at or paper.listing_date,
        submittedOnDailyAt=on_daily_at(paper),
        submittedOnDailyBy=submitter(paper),
        numComments=paper.comment_count,
        upvotes=paper.upvotes,
        githubRepo=github.url if github else None,
        githubStars=github.stars if github else None,
        projectPage=paper.project_link.url if paper.project_link else None,
        categories=paper.categories,
        comment=paper.comment or None,
        journalRef=paper.journal_ref or None,
        doi=paper.doi or None,
    )


def daily_item(paper: Paper, *, score: float | None = None, reason: str | None = None) -> DailyPaperOut:
    """A decorated paper as an item of the daily list, with its trending score and reason if any."""
    inner = paper_out(paper)
    return DailyPaperOut.model_construct(
        paper=inner,
        publishedAt=inner.submittedOnDailyAt,
        submittedOnDailyAt=inner.submittedOnDailyAt,
        submittedOnDailyBy=inner.submittedOnDailyBy,
        submittedBy=inner.submittedOnDailyBy,
        title=paper.title,
        summary=paper.abstract,
        githubRepo=inner.githubRepo,
        githubStars=inner.githubStars,
        projectPage=inner.projectPage,
        numComments=paper.comment_count,
        trendingScore=None if score is None else round(score, 6),
        trendingReason=reason,
    )


def search_hit(hit: SearchHit) -> SearchHitOut:
    """One search result as a SearchHitOut."""
    paper = hit.paper
    return SearchHitOut.model_construct(
        paper=SearchPaperOut.model_construct(
            id=paper.arxiv_id,
            title=paper.title,
            summary=paper.abstract,
            authors=[AuthorNameOut.model_construct(name=name) for name in paper.authors],
            publishedAt=paper.submitted_at,
            upvotes=paper.upvotes,
            categories=paper.categories,
        ),
        title=paper.title,
        publishedAt=on_daily_at(paper),
        score=round(hit.score, 6),
    )
