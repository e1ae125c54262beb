"""is_verified: confirmed email, or an account made by staff tooling."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from paperfeed.accounts.verification import is_verified
from tests.factories import make_user, make_verified_user

pytestmark = pytest.mark.django_db


def test_confirmed_email_is_verified():
    assert is_verified(make_verified_user())


def test_unconfirmed_inactive_and_anonymous_are_not():
    assert not is_verified(make_user())
    assert not is_verified(make_verified_user(is_active=False))
    assert not is_verified(AnonymousUser())
    assert not is_verified(None)


def test_staff_and_superusers_are(monkeypatch):
    assert is_verified(make_user(is_staff=True))
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long enough password 42")
    call_command("createsuperuser", "--noinput", username="root", email="root@example.org", verbosity=0)
    assert is_verified(get_user_model().objects.get(username="root"))
