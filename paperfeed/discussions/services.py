"""Discussions services: post, edit, delete, vote, report, and read a paper's thread.

The interface other apps call is ``post_comment``, ``thread`` and ``CommentError``; every write
keeps ``catalog.Paper.comment_count`` (visible comments) right in the same transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from paperfeed.accounts.models import Profile
from paperfeed.accounts.verification import is_verified
from paperfeed.catalog.models import Paper

from . import rendering
from .models import Comment, CommentReport, CommentVote, ThreadLock
from .signals import comment_posted

SORTS = ("top", "new")
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


class CommentError(ValueError):
    """A comment could not be written; ``str(error)`` is a message for the user."""


@dataclasses.dataclass
class ThreadComment:
    """One comment as a reader sees it, with its replies (top level only) and what the viewer may do."""

    comment: Comment
    replies: list[ThreadComment] = dataclasses.field(default_factory=list)
    placeholder: str = ""  # "[deleted]" / "[hidden]" when only its replies are shown
    voted: bool = False
    can_edit: bool = False
    can_delete: bool = False

    @property
    def edited(self) -> bool:
        """Whether the comment was changed after posting."""
        return self.comment.edited_at is not None


def clean_body(body: str) -> str:
    """The body as stored: text PostgreSQL and SQLite both accept, trimmed; raises CommentError."""
    # NUL is refused by PostgreSQL, lone surrogates by UTF-8 and the other control characters by
    # XML 1.0 (feeds): none of them is text anyone meant to write.
    body = UNWRITABLE.sub("", (body or "").encode("utf-8", "replace").decode("utf-8")).strip()
    if not body:
        raise CommentError("Write something first: the comment is empty.")
    if len(body) > settings.COMMENT_MAX_CHARS:
        raise CommentError(f"A comment can be at most {settings.COMMENT_MAX_CHARS} characters (this one has {len(body)}).")
    return body


def is_new_account(user, now: dt.datetime) -> bool:
    """Younger than COMMENT_NEW_ACCOUNT_DAYS: tighter rate and link limits."""
    return user.date_joined > now - dt.timedelta(days=settings.COMMENT_NEW_ACCOUNT_DAYS)


def _is_banned(user) -> bool:
    return Profile.objects.filter(user_id=user.pk, banned=True).exists()


def writer_problem(user) -> str:
    """Why ``user`` may not write comments, or "" when they may."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "Log in to join the discussion."
    if not is_verified(user):
        return "Confirm your email address to join the discussion."
    if _is_banned(user):
        return "This account is banned from writing."
    return ""


def _check_limits(user, body: str, now: dt.datetime) -> None:
    """Rate and link-spam limits (staff are exempt)."""
    if user.is_staff or user.is_superuser:
        return
    new = is_new_account(user, now)
    per_hour = settings.COMMENT_RATE_PER_HOUR_NEW if new else settings.COMMENT_RATE_PER_HOUR
    recent = Comment.objects.filter(author=user, created_at__gt=now - dt.timedelta(hours=1)).count()
    if recent >= per_hour:
        raise CommentError(f"You can post {per_hour} comments an hour; please wait a little before posting again.")
    if new and rendering.count_links(body) > settings.COMMENT_MAX_LINKS_NEW:
        raise CommentError(
            f"New accounts can put at most {settings.COMMENT_MAX_LINKS_NEW} links in a comment; "
            f"remove some links or try again in {settings.COMMENT_NEW_ACCOUNT_DAYS} days."
        )


def known_mentions(body: str) -> dict[str, tuple[int, str]]:
    """Users mentioned in ``body`` that exist: lower-cased name → (id, username)."""
    names = [n.lower() for n in rendering.mentioned_names(body)][:50]
    if not names:
        return {}
    rows = (get_user_model().objects.annotate(lname=Lower("username")).filter(lname__in=names, is_active=True)
            .values_list("pk", "username"))
    return {username.lower(): (pk, username) for pk, username in rows}


def recount(paper_id: int) -> None:
    """Store the paper's number of visible comments (call inside the writing transaction)."""
    n = Comment.objects.filter(paper_id=paper_id, deleted_at__isnull=True, hidden_at__isnull=True).count()
    Paper.objects.filter(pk=paper_id).update(comment_count=n)


def is_locked(paper: Paper) -> bool:
    """Whether moderators locked the paper's discussion."""
    return ThreadLock.objects.filter(paper_id=paper.pk).exists()


def _parent(paper: Paper, parent_id: int | None) -> Comment | None:
    if parent_id is None:
        return None
    parent = Comment.objects.filter(pk=parent_id, paper_id=paper.pk).first()
    if parent is None or not parent.visible:
        raise CommentError("The comment you replied to is gone.")
    # One level of replies: a reply to a reply joins the same thread.
    return parent.parent if parent.parent_id else parent


def post_comment(*, user, paper: Paper, body: str, parent_id: int | None = None, now: dt.datetime | None = None) -> Comment:
    """Write a comment (or a reply) on ``paper``; raises CommentError with a message for the user."""
    now = now or timezone.now()
    if problem := writer_problem(user):
        raise CommentError(problem)
    body = clean_body(body)
    if paper.hidden:
        raise CommentError("This paper is not open for discussion.")
    with transaction.atomic():
        if is_locked(paper) and not user.is_staff:
            raise CommentError("Moderators locked this discussion: no new comments.")
        parent = _parent(paper, parent_id)
        _check_limits(user, body, now)
        mentions = known_mentions(body)
        comment = Comment.objects.create(
            paper=paper, parent=parent, author=user, body=body, created_at=now,
            body_html=rendering.render(body, mentions={k: v[1] for k, v in mentions.items()}),
        )
        recount(paper.pk)
        mentioned = {pk for pk, _ in mentions.values()} - {user.pk}
        transaction.on_commit(lambda: comment_posted.send(sender=Comment, comment=comment, mentioned=mentioned))
    return comment


def _own_comment(user, comment_id: int) -> Comment:
    comment = Comment.objects.filter(pk=comment_id).select_related("paper").first()
    if comment is None or not comment.visible:
        raise CommentError("That comment is gone.")
    if user is None or comment.author_id != user.pk:
        raise CommentError("You can only change your own comments.")
    return comment


def edit_comment(*, user, comment_id: int, body: str, now: dt.datetime | None = None) -> Comment:
    """Change a comment within COMMENT_EDIT_MINUTES of posting; it then shows as edited."""
    now = now or timezone.now()
    if problem := writer_problem(user):
        raise CommentError(problem)
    comment = _own_comment(user, comment_id)
    if now - comment.created_at > dt.timedelta(minutes=settings.COMMENT_EDIT_MINUTES):
        raise CommentError(f"Comments can be edited for {settings.COMMENT_EDIT_MINUTES} minutes after posting.")
    body = clean_body(body)
    if is_new_account(user, now) and not user.is_staff and rendering.count_links(body) > settings.COMMENT_MAX_LINKS_NEW:
        raise CommentError(f"New accounts can put at most {settings.COMMENT_MAX_LINKS_NEW} links in a comment.")
    mentions = known_mentions(body)
    comment.body = body
    comment.body_html = rendering.render(body, mentions={k: v[1] for k, v in mentions.items()})
    comment.edited_at = now
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


def delete_comment(*, user, comment_id: int, now: dt.datetime | None = None) -> Comment:
    """Delete one's own comment; with replies it stays in the thread as "[deleted]"."""
    comment = _own_comment(user, comment_id)
    with transaction.atomic():
        comment.deleted_at = now or timezone.now()
        comment.save(update_fields=["deleted_at"])
        recount(comment.paper_id)
    return comment


def toggle_vote(*, user, comment_id: int) -> tuple[bool, int]:
    """Upvote a comment, or take the upvote back; returns (voted now, score)."""
    if problem := writer_problem(user):
        raise CommentError(problem)
    comment = Comment.objects.filter(pk=comment_id).first()
    if comment is None or not comment.visible:
        raise CommentError("That comment is gone.")
    with transaction.atomic():
        deleted, _ = CommentVote.objects.filter(comment=comment, user=user).delete()
        if not deleted:
            CommentVote.objects.get_or_create(comment=comment, user=user)
        score = CommentVote.objects.filter(comment=comment).count()
        Comment.objects.filter(pk=comment.pk).update(score=score)
    return not deleted, score


def report_comment(*, user, comment_id: int, reason: str = "") -> CommentReport:
    """Report a comment to moderators (once per account and comment)."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise CommentError("Log in to report a comment.")
    comment = Comment.objects.filter(pk=comment_id).first()
    if comment is None:
        raise CommentError("That comment is gone.")
    reason = clean_body(reason or "no reason given")[:2000]
    report, _ = CommentReport.objects.get_or_create(comment=comment, reporter=user, defaults={"reason": reason})
    return report


def _node(comment: Comment, *, viewer_id: int | None, voted: set[int], edit_after: dt.datetime) -> ThreadComment:
    mine = viewer_id is not None and comment.author_id == viewer_id and comment.visible
    return ThreadComment(
        comment=comment, voted=comment.pk in voted, can_delete=mine,
        can_edit=mine and comment.created_at >= edit_after,
    )


# What a thread shows: loading whole comment and user rows cost more than rendering them.
THREAD_FIELDS = ("id", "paper_id", "parent_id", "author_id", "body", "body_html", "created_at", "edited_at",
                 "deleted_at", "hidden_at", "score", "author__username", "author__is_active")


def thread(*, paper: Paper, sort: str = "top", viewer=None, now: dt.datetime | None = None) -> list[ThreadComment]:
    """The paper's discussion as readers see it: top-level comments (by ``sort``) with their replies.

    Two queries (three with a viewer). A deleted or hidden comment with visible replies stays as
    a placeholder; without replies it is left out.
    """
    now = now or timezone.now()
    viewer_id = viewer.pk if viewer is not None and getattr(viewer, "is_authenticated", False) else None
    comments = list(Comment.objects.filter(paper_id=paper.pk).select_related("author").only(*THREAD_FIELDS)
                    .order_by("created_at", "id"))
    voted: set[int] = set()
    if viewer_id is not None and comments:
        voted = set(CommentVote.objects.filter(user_id=viewer_id, comment__paper_id=paper.pk)
                    .values_list("comment_id", flat=True))
    edit_after = now - dt.timedelta(minutes=settings.COMMENT_EDIT_MINUTES)
    tops: dict[int, ThreadComment] = {}
    for c in comments:
        if c.parent_id is None:
            tops[c.pk] = _node(c, viewer_id=viewer_id, voted=voted, edit_after=edit_after)
    for c in comments:
        if c.parent_id is not None and c.visible and c.parent_id in tops:
            tops[c.parent_id].replies.append(_node(c, viewer_id=viewer_id, voted=voted, edit_after=edit_after))
    out = []
    for node in tops.values():
        if not node.comment.visible:
            if not node.replies:
                continue
            node.placeholder = "[deleted]" if node.comment.deleted_at else "[hidden by a moderator]"
        out.append(node)
    if sort == "new":
        out.sort(key=lambda n: (n.comment.created_at, n.comment.pk), reverse=True)
    else:
        out.sort(key=lambda n: (-n.comment.score, n.comment.created_at, n.comment.pk))
    return out

