"""The write API: votes, submissions, comments and collections, as the account of a write-scope personal access token.

Every operation here needs ``Authorization: Bearer`` (401 without a live token, 403 with a read
token, 429 past the token's rate limit) and calls the same community services as the pages.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from ninja import Path, Router, Status

from paperfeed.catalog.models import Paper
from paperfeed.catalog.services import canonical_arxiv_id, visible_papers
from paperfeed.community import collections as community_collections
from paperfeed.community.models import Vote
from paperfeed.community.services import VoteRefused, toggle_vote
from paperfeed.community.submissions import SubmissionError, submit_paper
from paperfeed.discussions.models import Comment
from paperfeed.discussions.services import CommentError, post_comment

from .auth import read_token, write_token
from .schemas import ErrorOut
from .write_schemas import (
    AUTH_ERRORS,
    WRITE_ERRORS,
    CollectionIn,
    CollectionItemIn,
    CollectionOut,
    CommentIn,
    CommentOut,
    SubmissionOut,
    SubmitIn,
    VoteOut,
    WhoAmIOut,
    collection_out,
    comment_out,
    submission_out,
)

router = Router(tags=["write"])
# exclude_unset: an error's unset ``detail`` stays out of the JSON; a reply's null parentId stays in.
AS_WRITER = {"auth": write_token, "exclude_unset": True}
AS_READER = {"auth": read_token, "exclude_unset": True}

MAX_PK = 2**31 - 1  # larger ids cannot exist and would overflow the database's integer
CommentId = Path(..., ge=1, le=MAX_PK, description="The id of the comment replied to.")
CollectionId = Path(..., ge=1, le=MAX_PK, description="The collection's id.")


def _paper(arxiv_id: str) -> Paper | None:
    """The visible paper with this arXiv id (version suffix ignored), or None."""
    return visible_papers().filter(arxiv_id=canonical_arxiv_id(arxiv_id)).first()


def _no_paper(arxiv_id: str) -> Status:
    return Status(404, ErrorOut(error=f"No paper with id {arxiv_id[:100]!r}."))


def _set_vote(request: HttpRequest, arxiv_id: str, want: bool) -> Status:
    """Make the account's vote on the paper ``want`` (idempotent); the paper's vote state after."""
    paper = _paper(arxiv_id)
    if paper is None:
        return _no_paper(arxiv_id)
    user = request.auth.user
    try:
        with transaction.atomic():
            # community offers a toggle only: lock the account's row so two requests cannot both toggle.
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            if Vote.objects.filter(user=user, paper=paper).exists() != want:
                toggle_vote(user=user, paper=paper)
    except VoteRefused as exc:
        return Status(403, ErrorOut(error=str(exc)))
    paper.refresh_from_db(fields=["vote_count", "imported_upvotes"])
    return Status(200, VoteOut(id=paper.arxiv_id, voted=want, upvotes=paper.upvotes))


@router.post("/papers/{path:arxiv_id}/vote", **AS_WRITER, response={200: VoteOut, **WRITE_ERRORS},
             summary="Upvote a paper (idempotent)")
def vote(request: HttpRequest, arxiv_id: str) -> Status:
    """Upvote the paper as the token's account; voting twice keeps one vote."""
    return _set_vote(request, arxiv_id, True)


@router.delete("/papers/{path:arxiv_id}/vote", **AS_WRITER, response={200: VoteOut, **WRITE_ERRORS},
               summary="Take back an upvote (idempotent)")
def unvote(request: HttpRequest, arxiv_id: str) -> Status:
    """Take back the account's upvote on the paper, if it has one."""
    return _set_vote(request, arxiv_id, False)


@router.post("/submissions", **AS_WRITER, response={201: SubmissionOut, **WRITE_ERRORS},
             summary="Submit a paper to the daily page")
def submit(request: HttpRequest, body: SubmitIn) -> Status:
    """Submit an arXiv id or URL: listed today, queued until fetched, a duplicate, or rejected (with why)."""
    try:
        sub = submit_paper(user=request.auth.user, text=body.id)
    except SubmissionError as exc:
        return Status(400, ErrorOut(error=str(exc)))
    return Status(201, submission_out(sub))


def _comment(request: HttpRequest, arxiv_id: str, body: CommentIn, parent_id: int | None) -> Status:
    """Post a comment or reply through the discussions service; its refusals are 400s with its message."""
    paper = _paper(arxiv_id)
    if paper is None:
        return _no_paper(arxiv_id)
    if parent_id is not None and not Comment.objects.filter(pk=parent_id, paper=paper).exists():
        return Status(404, ErrorOut(error=f"No comment {parent_id} on {paper.arxiv_id}."))
    try:
        comment = post_comment(user=request.auth.user, paper=paper, body=body.comment, parent_id=parent_id)
    except CommentError as exc:
        return Status(400, ErrorOut(error=str(exc)))
    return Status(201, comment_out(comment, paper.arxiv_id))


@router.post("/papers/{path:arxiv_id}/comment", **AS_WRITER, response={201: CommentOut, **WRITE_ERRORS},
             summary="Comment on a paper (Markdown)")
def comment(request: HttpRequest, arxiv_id: str, body: CommentIn) -> Status:
    """Post a comment on the paper's discussion as the token's account (a confirmed email is needed)."""
    return _comment(request, arxiv_id, body, None)


@router.post("/papers/{path:arxiv_id}/comment/{comment_id}/reply", **AS_WRITER,
             response={201: CommentOut, **WRITE_ERRORS}, summary="Reply to a comment")
def reply(request: HttpRequest, arxiv_id: str, body: CommentIn, comment_id: int = CommentId) -> Status:
    """Reply to a comment of the paper's discussion (a reply to a reply joins the same thread)."""
    return _comment(request, arxiv_id, body, comment_id)


def _collection_response(collection, status: int = 200) -> Status:
    ids = [paper.arxiv_id for paper in community_collections.collection_papers(collection)]
    return Status(status, collection_out(collection, ids))


@router.post("/collections", **AS_WRITER, response={201: CollectionOut, **WRITE_ERRORS},
             summary="Create a collection")
def create_collection(request: HttpRequest, body: CollectionIn) -> Status:
    """A new collection of the token's account (private unless ``private`` is false)."""
    collection = community_collections.create_collection(
        owner=request.auth.user, name=body.title, public=not body.private, description=body.description
    )
    return _collection_response(collection, 201)


@router.get("/collections/{collection_id}", **AS_READER, response={200: CollectionOut, 400: ErrorOut,
            404: ErrorOut, **AUTH_ERRORS}, summary="One collection (yours, or a public one)")
def get_collection(request: HttpRequest, collection_id: int = CollectionId) -> Status:
    """A collection the token's account owns, or a public one; 404 otherwise."""
    collection = community_collections.visible_collection(collection_id, request.auth.user)
    return _collection_response(collection)


@router.post("/collections/{collection_id}/items", **AS_WRITER,
             response={200: CollectionOut, 409: ErrorOut, **WRITE_ERRORS}, summary="Add a paper to a collection")
def add_item(request: HttpRequest, body: CollectionItemIn, collection_id: int = CollectionId) -> Status:
    """Add a paper to one of your collections; 409 when it is already there."""
    collection = community_collections.owned_collection(collection_id, request.auth.user)
    paper = _paper(body.item.id)
    if paper is None:
        return _no_paper(body.item.id)
    if not community_collections.add_paper(collection, paper):
        return Status(409, ErrorOut(error=f"{paper.arxiv_id} is already in this collection."))
    return _collection_response(collection)


@router.delete("/collections/{collection_id}/items/{path:arxiv_id}", **AS_WRITER,
               response={200: CollectionOut, **WRITE_ERRORS}, summary="Remove a paper from a collection")
def remove_item(request: HttpRequest, arxiv_id: str, collection_id: int = CollectionId) -> Status:
    """Remove a paper from one of your collections; 404 when it is not in it."""
    collection = community_collections.owned_collection(collection_id, request.auth.user)
    paper = _paper(arxiv_id)
    if paper is None or not community_collections.remove_paper(collection, paper):
        return Status(404, ErrorOut(error=f"{arxiv_id[:100]!r} is not in this collection."))
    return _collection_response(collection)


@router.get("/whoami", **AS_READER, response={200: WhoAmIOut, **AUTH_ERRORS},
            summary="The account and scope of your token")
def whoami(request: HttpRequest) -> Status:
    """Who the token belongs to and what it may do."""
    token = request.auth
    return Status(200, WhoAmIOut(name=token.user.get_username(), email=token.user.email, scope=token.scope))
