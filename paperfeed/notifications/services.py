"""Notifications services: who hears about a new comment, the unread count, reading and preferences."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from paperfeed.accounts.models import Profile
from paperfeed.community.models import Submission
from paperfeed.discussions.models import Comment
from paperfeed.follows.services import paper_audience

from .models import Kind, Notification, Preferences

PAGE_SIZE = 50


def recipients(comment: Comment, mentioned: set[int]) -> dict[int, str]:
    """Who is told about ``comment``, and why: user id → kind (reply > mention > submitted > followed)."""
    out: dict[int, str] = {}
    if comment.parent_id is not None:
        parent_author = Comment.objects.filter(pk=comment.parent_id).values_list("author_id", flat=True).first()
        if parent_author:
            out[parent_author] = Kind.REPLY
    for uid in mentioned:
        out.setdefault(uid, Kind.MENTION)
    paper = comment.paper
    submitters = set(Submission.objects.filter(paper_id=paper.pk, status=Submission.Status.LISTED)
                     .values_list("user_id", flat=True))
    if paper.picked_by_id:
        submitters.add(paper.picked_by_id)
    for uid in submitters:
        out.setdefault(uid, Kind.SUBMITTED)
    for uid in paper_audience(paper.pk):
        out.setdefault(uid, Kind.FOLLOWED)
    out.pop(comment.author_id, None)  # never about one's own comment
    if out:
        banned = set(Profile.objects.filter(user_id__in=out, banned=True).values_list("user_id", flat=True))
        for uid in banned:
            out.pop(uid, None)
    return out


def notify_comment(*, comment: Comment, mentioned: set[int]) -> int:
    """Store the notifications of a new comment; returns how many were made."""
    targets = recipients(comment, mentioned)
    Notification.objects.bulk_create(
        [Notification(user_id=uid, kind=kind, comment=comment, paper_id=comment.paper_id, actor_id=comment.author_id,
                      created_at=comment.created_at) for uid, kind in targets.items()],
        ignore_conflicts=True,
    )
    return len(targets)


def unread_count(user) -> int:
    """Unread notifications of ``user``: one count over the (user, read_at) index."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def visible(qs):
    """Only notifications whose comment readers can still see."""
    return qs.filter(comment__deleted_at__isnull=True, comment__hidden_at__isnull=True)


def recent(*, user, limit: int = PAGE_SIZE) -> list[Notification]:
    """The newest notifications of ``user`` for the notifications page."""
    qs = Notification.objects.filter(user_id=user.pk).select_related("comment", "paper", "actor")
    return list(visible(qs)[:limit])


def mark_read(*, user, ids: list[int] | None = None, now: dt.datetime | None = None) -> int:
    """Mark some (``ids``) or all of the user's notifications read; returns how many changed."""
    qs = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=now or timezone.now())


def hidden_unread(*, user) -> int:
    """Mark read the unread notifications whose comment was hidden or deleted (so the bell agrees)."""
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).filter(
        Q(comment__deleted_at__isnull=False) | Q(comment__hidden_at__isnull=False)
    ).update(read_at=timezone.now())


def preferences(user) -> Preferences:
    """The user's mail preferences (created with everything on)."""
    prefs, _ = Preferences.objects.get_or_create(user=user)
    return prefs
