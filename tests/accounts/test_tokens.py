"""Personal access tokens: hashed storage, scopes, revocation, last use, the tokens page and `paperfeed token`."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from paperfeed.accounts import tokens
from paperfeed.accounts.models import PersonalAccessToken, Profile
from tests.factories import make_token, make_user

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


def test_token_is_stored_only_as_its_hash():
    row, secret = make_token(scope="read", name="laptop")
    assert secret.startswith("pf_") and len(secret) >= 40
    stored = PersonalAccessToken.objects.get(pk=row.pk)
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {stored.digest, stored.prefix, stored.name}
    assert stored.prefix == secret[:10] and stored.scope == "read"


def test_lookup_finds_live_tokens_and_records_last_use_once_a_minute():
    row, secret = make_token()
    assert tokens.lookup(secret=secret, now=T0).pk == row.pk
    assert tokens.lookup(secret=secret, now=T0 + dt.timedelta(seconds=30)).last_used_at == T0
    later = T0 + dt.timedelta(minutes=2)
    tokens.lookup(secret=secret, now=later)
    row.refresh_from_db()
    assert row.last_used_at == later


@pytest.mark.parametrize("secret", ["", "pf_", "pf_unknown", "nope", "pf_" + "x" * 500])
def test_lookup_refuses_unknown_tokens(secret):
    make_token()
    assert tokens.lookup(secret=secret) is None


def test_revoked_tokens_and_tokens_of_banned_or_inactive_accounts_do_not_work():
    user = make_user()
    row, secret = make_token(user=user)
    assert tokens.revoke_token(user=make_user(), token_id=row.pk) is False  # someone else's
    assert tokens.revoke_token(user=user, token_id=row.pk) is True
    assert tokens.lookup(secret=secret) is None and tokens.user_tokens(user=user) == []
    banned = make_user()
    Profile.objects.create(user=banned, banned=True)
    assert tokens.lookup(secret=make_token(user=banned)[1]) is None
    inactive_row, inactive_secret = make_token(user=make_user())
    inactive_row.user.is_active = False
    inactive_row.user.save()
    assert tokens.lookup(secret=inactive_secret) is None


def test_bad_scope_is_refused():
    with pytest.raises(tokens.TokenError, match="Scope must be"):
        tokens.create_token(user=make_user(), scope="admin")


def test_command_creates_token_alone_on_last_line_then_lists_and_revokes():
    user = make_user(email="ada@example.org")
    out = StringIO()
    call_command("token", "create", "--user", "ADA@example.org", "--scope", "write", "--name", "ci", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    assert secret.startswith("pf_") and " " not in secret
    assert tokens.lookup(secret=secret).user == user
    out = StringIO()
    call_command("token", "list", "--user", "ada@example.org", stdout=out)
    token_id = int(out.getvalue().split("\t")[0])
    assert "write" in out.getvalue() and "ci" in out.getvalue() and secret not in out.getvalue()
    call_command("token", "revoke", "--user", "ada@example.org", str(token_id), stdout=StringIO())
    assert tokens.lookup(secret=secret) is None


def test_command_reports_unknown_account_and_token():
    with pytest.raises(CommandError, match="No account"):
        call_command("token", "create", "--user", "nobody@example.org", "--scope", "read", stdout=StringIO())
    make_user(email="ada@example.org")
    with pytest.raises(CommandError, match="no live token"):
        call_command("token", "revoke", "--user", "ada@example.org", "999", stdout=StringIO())


def test_tokens_page_creates_shows_once_lists_and_revokes(client):
    user = make_user()
    client.force_login(user)
    response = client.post("/accounts/tokens/", {"name": "<script>x</script>", "scope": "read"})
    assert response.status_code == 200
    page = response.content.decode()
    (row,) = tokens.user_tokens(user=user)
    secret_start = page.index("pf_", page.index('id="new-token"'))
    secret = page[secret_start:page.index("<", secret_start)]
    assert tokens.lookup(secret=secret).pk == row.pk
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    listing = client.get("/accounts/tokens/").content.decode()
    assert row.prefix in listing and secret not in listing
    assert client.get(f"/accounts/tokens/{row.pk}/revoke/").status_code == 405
    response = client.post(f"/accounts/tokens/{row.pk}/revoke/")
    assert response.status_code == 302
    assert tokens.lookup(secret=secret) is None


def test_tokens_page_needs_login_and_csrf(client):
    assert client.get("/accounts/tokens/").status_code == 302
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_user())
    assert strict.post("/accounts/tokens/", {"scope": "write"}).status_code == 403


def test_tokens_page_reports_a_bad_scope(client):
    user = make_user()
    client.force_login(user)
    response = client.post("/accounts/tokens/", {"scope": "root"})
    assert "Scope must be" in response.content.decode() and tokens.user_tokens(user=user) == []
