"""Account pages: sign-up with email confirmation over real SMTP, log-in, password reset."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery 42"


def _link(message, pattern: str) -> str:
    body = message.get_body(("plain",)).get_content()
    match = re.search(pattern, body)
    assert match, body
    return match.group(0)


def _signup(client, username="ada", email="ada@example.org", **extra):
    data = {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/accounts/signup/", data, **extra)


def test_signup_confirm_login_flow_over_real_smtp(client, smtp, settings):
    # Links come from SITE_URL, not from the request (behind a proxy: http, a loopback host, no port).
    settings.SITE_URL = "https://papers.example.org:8443"
    response = _signup(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/done/"
    user = get_user_model().objects.get(username="ada")
    assert not user.is_active
    assert user.password.startswith("argon2")
    # An unconfirmed account cannot log in, and is told why.
    response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert "not confirmed yet" in response.content.decode()
    (message,) = smtp.to("ada@example.org")
    assert "Confirm your" in message["Subject"]
    url = _link(message, r"https://papers.example.org:8443/accounts/confirm/[^/\s]+/")
    path = url.removeprefix("https://papers.example.org:8443")
    page = client.get(path)
    assert page.status_code == 200 and "Confirm my account" in page.content.decode()
    user.refresh_from_db()
    assert not user.is_active  # a GET (e.g. a mail scanner) confirms nothing
    assert client.post(path)["Location"] == "/"  # confirmed and logged in at once
    user.refresh_from_db()
    assert user.is_active and user.profile.email_confirmed_at is not None
    assert client.get("/accounts/profile/").status_code == 200
    client.logout()
    response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200


def test_login_with_email(client, smtp):
    _signup(client)
    get_user_model().objects.filter(username="ada").update(is_active=True)
    response = client.post("/accounts/login/", {"username": "ADA@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    client.logout()
    response = client.post("/accounts/login/", {"username": "ada@example.org", "password": "wrong"})
    assert "correct username" in response.content.decode()


def test_tampered_or_expired_confirmation_is_refused(client, smtp, settings):
    _signup(client)
    (message,) = smtp.messages
    path = _link(message, r"/accounts/confirm/[^/\s]+/")
    assert client.post(path[:-3] + "xx/").status_code == 400
    settings.ACCOUNT_CONFIRM_DAYS = -1
    response = client.post(path)
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert not get_user_model().objects.get(username="ada").is_active


def test_signup_rejects_duplicate_email_and_weak_password(client, smtp):
    make_user(email="taken@example.org")
    response = _signup(client, email="Taken@Example.org")
    assert "already exists" in response.content.decode()
    response = client.post(
        "/accounts/signup/", {"username": "bob", "email": "b@example.org", "password1": "123", "password2": "123"}
    )
    assert response.status_code == 200 and not get_user_model().objects.filter(username="bob").exists()
    assert smtp.messages == []


def test_password_reset_by_email(client, smtp, settings):
    settings.SITE_URL = "https://papers.example.org"
    make_user(username="grace", email="grace@example.org", password=PASSWORD)
    response = client.post("/accounts/password/reset/", {"email": "grace@example.org"})
    assert response["Location"] == "/accounts/password/reset/done/"
    (message,) = smtp.to("grace@example.org")
    path = _link(message, r"/accounts/password/reset/[^/\s]+/[^/\s]+/")
    assert f"https://papers.example.org{path}" in message.get_body(("plain",)).get_content()
    form_url = client.get(path)["Location"]  # Django swaps the token into the session
    new = "a brand new passphrase 7"
    done = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert done["Location"] == "/accounts/password/reset/complete/"
    assert client.login(username="grace", password=new)


def test_logout_is_post_only(client):
    client.force_login(make_user())
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/accounts/profile/").status_code == 302


def test_confirmation_link_can_be_sent_again_without_revealing_accounts(client, smtp):
    _signup(client)
    response = client.post("/accounts/confirm/resend/", {"email": "ADA@example.org"})
    assert response["Location"] == "/accounts/signup/done/"
    assert len(smtp.to("ada@example.org")) == 2
    make_user(email="active@example.org")
    for email in ("active@example.org", "nobody@example.org"):
        assert client.post("/accounts/confirm/resend/", {"email": email})["Location"] == "/accounts/signup/done/"
    assert len(smtp.messages) == 2
