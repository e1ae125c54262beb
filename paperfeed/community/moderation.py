"""Moderator actions: hide papers, ban accounts, remove votes, reject submissions; each one is logged."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from paperfeed.accounts.models import Profile
from paperfeed.catalog.models import Paper

from .models import ModerationLog, Submission, Vote
from .services import bump_trending, recount_votes


def log_action(*, moderator, action: str, target, reason: str = "") -> ModerationLog:
    """Write one audit-trail row for ``action`` on ``target`` (any model instance)."""
    return ModerationLog.objects.create(
        moderator=moderator if getattr(moderator, "pk", None) else None,
        action=action,
        target_type=target._meta.model_name,
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        reason=reason,
    )


def set_hidden(papers: Iterable[Paper], *, hidden: bool, moderator, reason: str = "") -> int:
    """Hide (or unhide) papers everywhere; returns how many changed."""
    changed = 0
    with transaction.atomic():
        for paper in papers:
            if paper.hidden == hidden:
                continue
            # modified_at moves too: remembered search results (keyed by the catalogue's newest change) drop at once.
            Paper.objects.filter(pk=paper.pk).update(hidden=hidden, modified_at=timezone.now())
            paper.hidden = hidden
            log_action(moderator=moderator, action="hide" if hidden else "unhide", target=paper, reason=reason)
            changed += 1
    bump_trending()
    return changed


def set_banned(users: Iterable, *, banned: bool, moderator, reason: str = "") -> int:
    """Ban (or unban) accounts: their votes stop (or resume) counting; returns how many changed."""
    changed = 0
    with transaction.atomic():
        for user in users:
            profile, _ = Profile.objects.get_or_create(user=user)
            if profile.banned == banned:
                continue
            profile.banned = banned
            profile.banned_at = timezone.now() if banned else None
            profile.ban_reason = reason if banned else ""
            profile.save(update_fields=["banned", "banned_at", "ban_reason"])
            recount_votes(Vote.objects.filter(user=user).values_list("paper_id", flat=True))
            log_action(moderator=moderator, action="ban" if banned else "unban", target=user, reason=reason)
            changed += 1
    return changed


def remove_votes(votes: Iterable[Vote], *, moderator, reason: str = "") -> int:
    """Delete votes (e.g. a voting ring) and recount their papers; returns how many were removed."""
    votes = list(votes)
    with transaction.atomic():
        for vote in votes:
            log_action(moderator=moderator, action="remove_vote", target=vote, reason=reason)
        Vote.objects.filter(pk__in=[v.pk for v in votes]).delete()
        recount_votes({v.paper_id for v in votes})
    return len(votes)


def reject_submissions(submissions: Iterable[Submission], *, moderator, reason: str = "") -> int:
    """Mark submissions rejected; returns how many changed."""
    changed = 0
    with transaction.atomic():
        for sub in submissions:
            if sub.status == Submission.Status.REJECTED:
                continue
            sub.status = Submission.Status.REJECTED
            sub.detail = reason or "Rejected by a moderator."
            sub.resolved_at = timezone.now()
            sub.save(update_fields=["status", "detail", "resolved_at"])
            log_action(moderator=moderator, action="reject_submission", target=sub, reason=reason)
            changed += 1
    return changed
