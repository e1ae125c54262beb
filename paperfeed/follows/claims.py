"""Authorship claims: a member says "I am this author of this paper"; staff or the domain rule decide."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction

from paperfeed.accounts.verification import is_verified
from paperfeed.catalog.models import Authorship, Paper
from paperfeed.catalog.services import author_url
from paperfeed.community.moderation import log_action
from paperfeed.follows.models import AuthorClaim, Status

# The claimed-author map, rebuilt after any change to a claim (see apps.py).
CLAIMED_CACHE_KEY = "follows:claimed-authors:v1"
CLAIMED_CACHE_SECONDS = 3600


class ClaimError(ValueError):
    """A claim that cannot be made; the message says why."""


def email_domain_matches(email: str, domains: list[str]) -> bool:
    """True if the address's domain is one of ``domains`` or a subdomain of one (``cs.uni.edu`` under ``uni.edu``)."""
    domain = email.rpartition("@")[2].strip().lower().rstrip(".")
    if not domain:
        return False
    for allowed in domains:
        allowed = allowed.strip().lower().lstrip("@").rstrip(".")
        if allowed and (domain == allowed or domain.endswith("." + allowed)):
            return True
    return False


def auto_approvable(user) -> bool:
    """A verified account whose email domain the admin listed in FOLLOWS_AUTO_APPROVE_DOMAINS."""
    return is_verified(user) and email_domain_matches(user.email or "", settings.FOLLOWS_AUTO_APPROVE_DOMAINS)


def claim_authorship(*, user, paper: Paper, author_id: int, now: dt.datetime) -> AuthorClaim:
    """Record ``user``'s claim to be author ``author_id`` of ``paper``; approved at once if the domain rule allows."""
    if not Authorship.objects.filter(paper=paper, author_id=author_id).exists():
        raise ClaimError("Choose one of this paper's authors.")
    existing = AuthorClaim.objects.filter(user=user, paper=paper).first()
    if existing is not None:
        raise ClaimError(f"You already claimed an author of this paper ({existing.get_status_display()}).")
    approve = auto_approvable(user)
    try:
        with transaction.atomic():
            claim = AuthorClaim.objects.create(
                user=user, paper=paper, author_id=author_id, created_at=now,
                status=Status.APPROVED if approve else Status.PENDING,
                decided_at=now if approve else None,
                note="approved automatically: email domain" if approve else "",
            )
    except IntegrityError:  # a double submit raced the check above
        raise ClaimError("You already claimed an author of this paper.") from None
    return claim


def decide_claims(claims, *, approve: bool, moderator, now: dt.datetime, note: str = "") -> int:
    """Approve or reject pending (or previously decided) claims; each change is logged; returns how many changed."""
    status = Status.APPROVED if approve else Status.REJECTED
    changed = 0
    with transaction.atomic():
        for claim in claims:
            if claim.status == status:
                continue
            claim.status, claim.decided_by, claim.decided_at, claim.note = status, moderator, now, note
            claim.save(update_fields=["status", "decided_by", "decided_at", "note"])
            log_action(moderator=moderator, action=f"claim-{status}", target=claim, reason=note)
            changed += 1
    return changed


def claimed_profiles() -> dict[str, str]:
    """Author page URL -> username of the member who claimed that author (approved), from cache.

    One query rebuilds it; list pages use it to link claimed names without a query per name.
    """
    mapping = cache.get(CLAIMED_CACHE_KEY)
    if mapping is None:
        mapping = {}
        rows = (AuthorClaim.objects.filter(status=Status.APPROVED, user__is_active=True)
                .order_by("-decided_at", "-id").values_list("author__key", "user__username"))
        for key, username in rows:
            mapping[author_url(key)] = username  # the earliest decision wins: it is written last
        cache.set(CLAIMED_CACHE_KEY, mapping, CLAIMED_CACHE_SECONDS)
    return mapping


def forget_claimed_profiles(**_kwargs) -> None:
    """Drop the cached claimed-author map (a signal receiver: any claim saved or deleted)."""
    cache.delete(CLAIMED_CACHE_KEY)


def claimants_of_author(author_id: int) -> list:
    """The active users with an approved claim on the author, earliest decision first."""
    claims = (AuthorClaim.objects.filter(author_id=author_id, status=Status.APPROVED, user__is_active=True)
              .select_related("user").order_by("decided_at", "id"))
    seen, users = set(), []
    for claim in claims:
        if claim.user_id not in seen:
            seen.add(claim.user_id)
            users.append(claim.user)
    return users
