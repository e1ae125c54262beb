"""Request and response bodies of the write API (votes, submissions, collections, comments)."""

from __future__ import annotations

from typing import Literal

from ninja import Schema
from pydantic import Field

from paperfeed.community.models import Collection, Submission
from paperfeed.discussions.models import Comment

from .params import ARXIV_ID_PATTERN
from .schemas import ErrorOut, Timestamp

MAX_ID_TEXT = 500
MAX_DESCRIPTION = 2000


class VoteOut(Schema):
    """A paper's vote state for the token's account after the request."""

    id: str
    voted: bool
    upvotes: int


class SubmitIn(Schema):
    """A paper to put on the daily page: an arXiv id or URL."""

    id: str = Field(pattern=ARXIV_ID_PATTERN, max_length=MAX_ID_TEXT,
                    description="2406.07550, arXiv:2406.07550v2 or https://arxiv.org/abs/2406.07550.")


class SubmissionOut(Schema):
    """What became of a submission: listed, queued (fetched from arXiv later), duplicate or rejected."""

    id: int
    arxivId: str
    status: Literal["listed", "queued", "duplicate", "rejected"]
    detail: str
    listedOn: Timestamp | None = None
    createdAt: Timestamp


class CollectionIn(Schema):
    """A new collection (Hugging Face's field names)."""

    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=MAX_DESCRIPTION)
    private: bool = True


class CollectionItemRef(Schema):
    """The item to add: a paper by arXiv id."""

    id: str = Field(min_length=1, max_length=MAX_ID_TEXT)
    type: Literal["paper"] = "paper"


class CollectionItemIn(Schema):
    """The body of POST /api/collections/{id}/items, as Hugging Face's client sends it."""

    item: CollectionItemRef


class CollectionOut(Schema):
    """A collection of the token's account and its papers' ids, most recently added first."""

    id: int
    slug: str
    title: str
    description: str
    private: bool
    url: str
    papers: list[str]


class CommentIn(Schema):
    """A comment or reply in Markdown, with Hugging Face's field name (at most COMMENT_MAX_CHARS, 10,000 by default)."""

    comment: str = Field(min_length=1, max_length=10_000)


class CommentOut(Schema):
    """A comment as written: its Markdown, its sanitised HTML, and the comment it replies to."""

    id: int
    paperId: str
    parentId: int | None = None
    author: str
    body: str
    bodyHtml: str
    createdAt: Timestamp


class WhoAmIOut(Schema):
    """The account and scope of the token that made the request."""

    name: str
    email: str
    scope: Literal["read", "write"]


# Every status a token-authenticated operation can answer besides its success.
AUTH_ERRORS: dict[int, type] = {401: ErrorOut, 429: ErrorOut}
WRITE_ERRORS: dict[int, type] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


def submission_out(sub: Submission) -> SubmissionOut:
    """A Submission row as a SubmissionOut."""
    return SubmissionOut(
        id=sub.pk, arxivId=sub.arxiv_id, status=sub.status, detail=sub.detail,
        listedOn=sub.listed_on, createdAt=sub.created_at,
    )


def collection_out(collection: Collection, paper_ids: list[str]) -> CollectionOut:
    """A collection and its papers' ids as a CollectionOut."""
    return CollectionOut(
        id=collection.pk, slug=collection.slug, title=collection.name, description=collection.description,
        private=not collection.public, url=collection.get_absolute_url(), papers=paper_ids,
    )


def comment_out(comment: Comment, paper_id: str) -> CommentOut:
    """A Comment row as a CommentOut."""
    return CommentOut(
        id=comment.pk, paperId=paper_id, parentId=comment.parent_id, author=comment.author.get_username(),
        body=comment.body, bodyHtml=comment.body_html, createdAt=comment.created_at,
    )
