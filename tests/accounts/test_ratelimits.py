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
    settings.RATELIMIT_SIGNUP = "10/d"
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


def test_login_is_limited_per_account_from_each_address_without_locking_the_owner_out(client, settings, monkeypatch):
    monkeypatch.setattr(rl, "_get_window", lambda value, period: 4_102_444_800)
    settings.RATELIMIT_LOGIN = "3/d"
    make_user(username="target", password=PASSWORD)
    for _ in range(3):
        r = client.post("/accounts/login/", {"username": "target", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
        assert r.status_code == 200
    r = client.post("/accounts/login/", {"username": "target", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert r.status_code == 429 and "log-in" in r.content.decode()
    # The owner, from anywhere else, still gets in.
    r = client.post("/accounts/login/", {"username": "target", "password": PASSWORD}, REMOTE_ADDR="10.0.0.99")
    assert r.status_code == 302


def _login(client, *, forwarded_for: str, password: str = "wrong", remote: str = "10.9.9.9"):
    return client.post("/accounts/login/", {"username": "target", "password": password},
                       REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded_for)


def test_behind_a_trusted_proxy_limits_key_on_the_forwarded_client(client, settings, monkeypatch):
    monkeypatch.setattr(rl, "_get_window", lambda value, period: 4_102_444_800)
    settings.RATELIMIT_LOGIN = "3/d"
    settings.TRUSTED_PROXIES = ["10.9.9.0/24"]
    make_user(username="target", password=PASSWORD)
    assert [_login(client, forwarded_for="203.0.113.7").status_code for _ in range(4)] == [200, 200, 200, 429]
    # A client cannot escape by claiming another address: nginx appends the real one last.
    assert _login(client, forwarded_for="198.51.100.1, 203.0.113.7").status_code == 429
    assert _login(client, forwarded_for="198.51.100.9", password=PASSWORD).status_code == 302


def test_forwarded_addresses_from_an_untrusted_peer_are_ignored(client, settings, monkeypatch):
    monkeypatch.setattr(rl, "_get_window", lambda value, period: 4_102_444_800)
    settings.RATELIMIT_LOGIN = "3/d"
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    make_user(username="target", password=PASSWORD)
    codes = [_login(client, forwarded_for=f"198.51.100.{i}").status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]  # all counted on 10.9.9.9, whatever they claim


def test_rate_limits_can_be_disabled(client, settings, monkeypatch):
    settings.RATELIMIT_ENABLE = False
    settings.RATELIMIT_LOGIN = "1/d"
    for _ in range(3):
        assert client.post("/accounts/login/", {"username": "x", "password": "y"}).status_code == 200


def test_password_reset_is_rate_limited(client, smtp, settings, monkeypatch):
    monkeypatch.setattr(rl, "_get_window", lambda value, period: 4_102_444_800)
    settings.RATELIMIT_PASSWORD_RESET = "2/d"
    for _ in range(2):
        assert client.post("/accounts/password/reset/", {"email": "x@example.org"}).status_code == 302
    assert client.post("/accounts/password/reset/", {"email": "x@example.org"}).status_code == 429
