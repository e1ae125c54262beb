"""Moderator actions on discussions: hide comments, lock threads; each one is logged."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from paperfeed.catalog.models import Paper
from paperfeed.community.moderation import log_action

from .models import Comment, CommentReport, ThreadLock
from .services import recount


def set_comments_hidden(comments: Iterable[Comment], *, hidden: bool, moderator, reason: str = "") -> int:
    """Hide (or show again) comments for every reader; returns how many changed."""
    changed = 0
    with transaction.atomic():
        papers = set()
        for comment in comments:
            if (comment.hidden_at is not None) == hidden:
                continue
            comment.hidden_at = timezone.now() if hidden else None
            comment.save(update_fields=["hidden_at"])
            if hidden:
                CommentReport.objects.filter(comment=comment).update(resolved=True)
            log_action(moderator=moderator, action="hide_comment" if hidden else "unhide_comment",
                       target=comment, reason=reason)
            papers.add(comment.paper_id)
            changed += 1
        for paper_id in papers:
            recount(paper_id)
    return changed


def set_locked(papers: Iterable[Paper], *, locked: bool, moderator, reason: str = "") -> int:
    """Lock (or reopen) the discussions of papers; returns how many changed."""
    changed = 0
    with transaction.atomic():
        for paper in papers:
            if locked:
                _, created = ThreadLock.objects.get_or_create(
                    paper=paper, defaults={"locked_by": moderator if getattr(moderator, "pk", None) else None,
                                           "reason": reason})
            else:
                created = ThreadLock.objects.filter(paper=paper).delete()[0] > 0
            if created:
                log_action(moderator=moderator, action="lock_thread" if locked else "unlock_thread",
                           target=paper, reason=reason)
                changed += 1
    return changed
