"""Single sign-on rules that need no provider: off by default, password log-ins untouched, claims checked.

The sign-in itself runs against a real provider in test_oidc_browser.py.
"""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from paperfeed.accounts.oidc import InstitutionBackend, _unique_username
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery 42"


def test_sso_pages_are_404_while_it_is_off(client):
    assert client.get("/accounts/oidc/authenticate/").status_code == 404
    assert client.get("/accounts/oidc/callback/?code=x&state=y").status_code == 404


def test_password_log_in_still_works_with_sso_on(client, settings):
    settings.OIDC_ENABLED = True
    make_user(username="ada", password=PASSWORD)
    response = client.post("/accounts/login/?code=x&state=y", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    request = RequestFactory().get("/accounts/oidc/callback/?code=x&state=y")
    assert InstitutionBackend().authenticate(request, username="ada", password=PASSWORD) is None


@pytest.mark.parametrize("claims, ok", [
    ({"email": "a@uni.example", "email_verified": True}, True),
    ({"email": "a@uni.example", "email_verified": False}, False),
    ({"email": "a@uni.example", "email_verified": "true"}, False),
    ({"email": "a@uni.example"}, False),
    ({"email": "", "email_verified": True}, False),
])
def test_only_a_provider_verified_email_identifies_an_account(claims, ok):
    assert InstitutionBackend().verify_claims(claims) is ok


def test_usernames_from_the_provider_are_cleaned_and_unique():
    make_user(username="ada")
    assert _unique_username({"preferred_username": "ada", "email": "x@y"}) == "ada2"
    assert _unique_username({"preferred_username": "a d<a>", "email": "x@y"}) == "ada2"
    assert _unique_username({"email": "grace.h@uni.example"}) == "grace.h"
    assert _unique_username({"preferred_username": "<>", "email": ""}) == "member"
