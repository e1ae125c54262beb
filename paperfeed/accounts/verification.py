"""Who counts as verified: may write comments and other public text."""

from __future__ import annotations

from paperfeed.accounts.models import Profile


def is_verified(user) -> bool:
    """True for an active account with a confirmed email, or one made by staff tooling.

    ``paperfeed createsuperuser`` makes superusers without a confirmation mail; staff are
    created by an administrator. Both count as verified.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or user.is_staff:
        return True
    try:
        profile = user.profile
    except Profile.DoesNotExist:
        return False
    return profile.email_confirmed_at is not None
