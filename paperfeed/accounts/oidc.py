"""Single sign-on with an institution's OpenID Connect provider (mozilla-django-oidc), off unless OIDC_ENABLED.

- A sign-in whose provider vouches for the email address (``email_verified``) links to the
  account with that address, or creates one (confirmed: the provider checked the address).
- Linking to an account that was never confirmed also makes its password unusable: whoever
  signed up with that address without owning it cannot then log in with their password.
- Without ``email_verified`` the sign-in is refused.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .models import Profile

MAX_USERNAME = 150


def _email(claims: dict) -> str:
    return (claims.get("email") or "").strip()


class InstitutionBackend(OIDCAuthenticationBackend):
    """Accounts from the provider's verified email address: linked when known, created otherwise."""

    def authenticate(self, request: HttpRequest | None, **kwargs):
        """Only the callback's sign-in, and only with single sign-on on (password log-ins pass it by)."""
        if not settings.OIDC_ENABLED or set(kwargs) - {"nonce", "code_verifier"}:
            return None
        return super().authenticate(request, **kwargs)

    def verify_claims(self, claims: dict) -> bool:
        """Only a provider-verified email address identifies an account."""
        return bool(_email(claims)) and claims.get("email_verified") is True

    def filter_users_by_claims(self, claims: dict):
        """The accounts with this email address (any case)."""
        return self.UserModel.objects.filter(email__iexact=_email(claims))

    def create_user(self, claims: dict):
        """A new, confirmed account named after the provider's user name (made unique)."""
        with transaction.atomic():
            user = self.UserModel.objects.create_user(_unique_username(claims), email=_email(claims))
            Profile.objects.create(user=user, email_confirmed_at=timezone.now())
        return user

    def update_user(self, user, claims: dict):
        """Link an existing account: confirm and activate it; an unconfirmed one loses its password."""
        profile, _ = Profile.objects.get_or_create(user=user)
        if profile.email_confirmed_at is None:
            profile.email_confirmed_at = timezone.now()
            profile.save(update_fields=["email_confirmed_at"])
            user.set_unusable_password()
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
        return user


def _unique_username(claims: dict) -> str:
    """``preferred_username`` (or the email's local part) in Django's username alphabet, unique."""
    wanted = claims.get("preferred_username") or _email(claims).split("@")[0]
    base = re.sub(r"[^\w.@+-]", "", wanted)[: MAX_USERNAME - 8] or "member"
    users = get_user_model().objects
    name, n = base, 2
    while users.filter(username__iexact=name).exists():
        name, n = f"{base}{n}", n + 1
    return name


class _Enabled:
    """Single sign-on pages answer 404 while OIDC_ENABLED is off."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        return super().dispatch(request, *args, **kwargs)


class SignInView(_Enabled, OIDCAuthenticationRequestView):
    """Start a sign-in: off to the provider."""

    def __init__(self, *args, **kwargs) -> None:
        # The parent reads its settings when built; build it only when single sign-on is on.
        if settings.OIDC_ENABLED:
            super().__init__(*args, **kwargs)


class CallbackView(_Enabled, OIDCAuthenticationCallbackView):
    """Back from the provider: sign the account in (mozilla-django-oidc checks state, nonce and token)."""
