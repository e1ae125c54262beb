"""Response shapes of the paper endpoints, matching Hugging Face's /api/daily_papers and /api/papers.

Keys a field does not have (``githubRepo``, ``projectPage``, …) are left out of the JSON, as
Hugging Face does, rather than sent as null.
"""

from __future__ import annotations

from ninja import Schema


class AuthorOut(Schema):
    """One author as Hugging Face lists them (``name`` is what clients read)."""

    name: str
    hidden: bool = False


class PaperOut(Schema):
    """A paper in Hugging Face's shape, plus ``categories`` (primary first)."""

    id: str
    title: str
    summary: str
    authors: list[AuthorOut]
    publishedAt: str | None = None
    submittedOnDailyAt: str | None = None
    upvotes: int
    githubRepo: str | None = None
    githubStars: int | None = None
    projectPage: str | None = None
    categories: list[str] = []
    comment: str | None = None
    journalRef: str | None = None
    doi: str | None = None


class DailyPaperOut(Schema):
    """One item of /api/daily_papers: the paper and the listing's own copy of its headline fields."""

    paper: PaperOut
    publishedAt: str | None = None
    title: str
    summary: str
    numComments: int = 0
    isAuthorParticipating: bool = False
    trendingScore: float | None = None
    trendingReason: str | None = None


class ErrorOut(Schema):
    """Every error of this API: a message saying what was wrong (``detail`` for validation)."""

    error: str
    detail: list | None = None
