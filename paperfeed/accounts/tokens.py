"""Personal access tokens for the API: created, listed, revoked, looked up by hash, rate-limited per token.

A token is ``pf_`` followed by 43 URL-safe characters (256 random bits). Only its SHA-256 is
stored, so a leaked database does not leak usable tokens; a plain hash (not a slow password hash)
is enough for a secret of that entropy and keeps the lookup to one indexed query. The ``pf_``
prefix makes a token recognisable to secret scanners and to people.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils import timezone
from django_ratelimit.core import get_usage

from .models import PersonalAccessToken, Profile

PREFIX = "pf_"
SHOWN_CHARS = 10  # "pf_" and 7 characters of the secret: enough to tell tokens apart in a list
MAX_NAME = 100
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)  # last use is written at most once a minute per token
Scope = PersonalAccessToken.Scope


class TokenError(Exception):
    """A token that cannot be created as asked; the message says why."""


def digest(secret: str) -> str:
    """The stored form of a token: its SHA-256 in hex."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(
    *, user, scope: str, name: str = "", now: dt.datetime | None = None
) -> tuple[PersonalAccessToken, str]:
    """Make a token for ``user`` with ``scope`` (read or write); returns the row and the secret, shown once."""
    if scope not in Scope.values:
        raise TokenError(f"Scope must be one of {', '.join(Scope.values)}, not {scope!r}.")
    if not user.is_active:
        raise TokenError(f"The account {user.get_username()} is not active.")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = PersonalAccessToken.objects.create(
        user=user,
        name=" ".join(name.split())[:MAX_NAME],
        prefix=secret[:SHOWN_CHARS],
        digest=digest(secret),
        scope=scope,
        created_at=now or timezone.now(),
    )
    return token, secret


def create_token_for_email(*, email: str, scope: str, name: str = "") -> tuple[PersonalAccessToken, str]:
    """Make a token for the account with this email address; raises TokenError when there is none."""
    user = get_user_model().objects.filter(email__iexact=email.strip()).order_by("pk").first()
    if user is None:
        raise TokenError(f"No account with the email address {email!r}.")
    return create_token(user=user, scope=scope, name=name)


def user_tokens(*, user) -> list[PersonalAccessToken]:
    """The account's tokens that are not revoked, newest first."""
    return list(PersonalAccessToken.objects.filter(user=user, revoked_at__isnull=True))


def revoke_token(*, user, token_id: int, now: dt.datetime | None = None) -> bool:
    """Revoke one of the account's tokens; False when it has no such live token."""
    updated = PersonalAccessToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )
    return bool(updated)


def lookup(*, secret: str, now: dt.datetime | None = None) -> PersonalAccessToken | None:
    """The live token with this secret, its account active and not banned; records its use. None otherwise."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = (
        PersonalAccessToken.objects.select_related("user")
        .filter(digest=digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or Profile.objects.filter(user_id=token.user_id, banned=True).exists():
        return None
    now = now or timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_GRANULARITY:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def rate_limit_wait(request: HttpRequest, token: PersonalAccessToken) -> int | None:
    """Count this request against the token's limit (``RATELIMIT_API_TOKEN``); seconds to wait if it is over."""
    usage = get_usage(
        request,
        group="accounts.api_token",
        key=lambda group, req: str(token.pk),
        rate=settings.RATELIMIT_API_TOKEN,
        increment=True,
    )
    if usage and usage["should_limit"]:
        return max(usage["time_left"], 1)
    return None
