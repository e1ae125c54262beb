"""Rate limits on sign-up, log-in and password reset: per IP and per account, a clear 429 page."""

from __future__ import annotations

import django_ratelimit.core as rl
import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery 42"


def _signup(client, username="ada", email="ada@example.org", **extra):
    data = {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/accounts/signup/", data, **extra)


def test_rate_limit_kicks_in_on_the_11th_signup_from_one_ip(client, smtp, settings, monkeypatch):
    # Pin the rate-limit window so the test cannot straddle a minute boundary.
    monkeypatch.setattr(rl, "_get_window", lambda value, period: 4_102_444_800)
    settings.RATELIMIT_SIGNUP = "10/m"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for i in range(10):
        assert _signup(client, username=f"u{i}", email=f"u{i}@example.org").status_code == 302
    response = _signup(client, username="u10", email="u10@example.org")
    assert response.status_code == 429
    assert "Too many sign-up attempts" in response.content.decode()
    assert int(response["Retry-After"]) >= 1
    assert not get_user_model().objects.filter(username="u10").exists()
    # Another address is not limited.
    other = _signup(client, username="v1", email="v1@example.org", REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302


def test_login_is_rate_limited_per_account_across_ips(client, settings, monkeypatch):
    monkeypatch.setattr(rl, "_get_window", lambda value, period: 4_102_444_800)
    settings.RATELIMIT_LOGIN = "3/m"
    make_user(username="target", password=PASSWORD)
    for i in range(3):
        r = client.post("/accounts/login/", {"username": "target", "password": "wrong"}, REMOTE_ADDR=f"10.0.0.{i}")
        assert r.status_code == 200
    r = client.post("/accounts/login/", {"username": "target", "password": PASSWORD}, REMOTE_ADDR="10.0.0.99")
    assert r.status_code == 429 and "log-in" in r.content.decode()


def test_rate_limits_can_be_disabled(client, settings, monkeypatch):
    settings.RATELIMIT_ENABLE = False
    settings.RATELIMIT_LOGIN = "1/m"
    for _ in range(3):
        assert client.post("/accounts/login/", {"username": "x", "password": "y"}).status_code == 200


def test_password_reset_is_rate_limited(client, smtp, settings, monkeypatch):
    monkeypatch.setattr(rl, "_get_window", lambda value, period: 4_102_444_800)
    settings.RATELIMIT_PASSWORD_RESET = "2/m"
    for _ in range(2):
        assert client.post("/accounts/password/reset/", {"email": "x@example.org"}).status_code == 302
    assert client.post("/accounts/password/reset/", {"email": "x@example.org"}).status_code == 429
