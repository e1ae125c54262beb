"""Links beyond code: project pages, datasets and models added by a paper's submitter or claimed authors."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction

from paperfeed.catalog.models import Paper
from paperfeed.community.models import Submission
from paperfeed.community.moderation import log_action
from paperfeed.follows.models import AuthorClaim, PaperLink, Status

MAX_PENDING_PER_PAPER = 10
_validate_url = URLValidator(schemes=["http", "https"])


class LinkError(ValueError):
    """A link that cannot be added; the message says why."""


def may_add_links(user, paper: Paper) -> bool:
    """Staff, the paper's submitter (pick or listed submission), or a member with an approved claim on it."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_staff or paper.picked_by_id == user.pk:
        return True
    if Submission.objects.filter(user=user, paper=paper, status=Submission.Status.LISTED).exists():
        return True
    return AuthorClaim.objects.filter(user=user, paper=paper, status=Status.APPROVED).exists()


def clean_url(raw: str) -> str:
    """The URL stripped, or LinkError unless it is an absolute http(s) URL of at most 1000 characters."""
    url = (raw or "").strip()
    if len(url) > 1000:
        raise LinkError("That URL is too long (at most 1000 characters).")
    try:
        _validate_url(url)
    except ValidationError:
        raise LinkError("Give a full web address starting with http:// or https://.") from None
    return url


def add_link(*, user, paper: Paper, kind: str, url: str, title: str = "", now: dt.datetime) -> PaperLink:
    """Add a link for moderation (staff links are approved at once); LinkError says what was wrong."""
    if not may_add_links(user, paper):
        raise LinkError("Only the paper's submitter or a confirmed author can add links.")
    if kind not in PaperLink.Kind.values:
        raise LinkError("Choose a project page, dataset or model.")
    url = clean_url(url)
    if PaperLink.objects.filter(paper=paper, status=Status.PENDING).count() >= MAX_PENDING_PER_PAPER:
        raise LinkError("This paper has many links waiting for review; try again later.")
    approved = user.is_staff
    try:
        with transaction.atomic():
            return PaperLink.objects.create(
                paper=paper, kind=kind, url=url, title=(title or "").strip()[:200], added_by=user,
                created_at=now, status=Status.APPROVED if approved else Status.PENDING,
                decided_by=user if approved else None, decided_at=now if approved else None)
    except IntegrityError:
        raise LinkError("That link is already on this paper (or waiting for review).") from None


def decide_links(links, *, approve: bool, moderator, now: dt.datetime, reason: str = "") -> int:
    """Approve or reject links; each change is logged; returns how many changed."""
    status = Status.APPROVED if approve else Status.REJECTED
    changed = 0
    with transaction.atomic():
        for link in links:
            if link.status == status:
                continue
            link.status, link.decided_by, link.decided_at = status, moderator, now
            link.save(update_fields=["status", "decided_by", "decided_at"])
            log_action(moderator=moderator, action=f"link-{status}", target=link, reason=reason)
            changed += 1
    return changed
