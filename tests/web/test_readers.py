"""The signed-in fast path's session check: what Django's auth would say, in one query per request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from paperfeed.web import readers
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _signed_in(user) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    return client, client.cookies["sessionid"].value


def test_a_session_gives_its_user_with_the_fields_the_slots_read():
    user = make_user(username="ada", email="ada@example.org")
    _, key = _signed_in(user)
    reader = readers.reader(key)
    assert (reader.pk, reader.get_username(), reader.is_authenticated) == (user.pk, "ada", True)
    assert reader.email == "ada@example.org"  # any other field loads on first use


def test_a_remembered_session_costs_one_query(django_assert_num_queries):
    _, key = _signed_in(make_user())
    readers.reader(key)
    with django_assert_num_queries(1):
        assert readers.reader(key) is not None


@pytest.mark.parametrize("change", ["log-out", "flush", "expired", "password", "inactive", "staff", "superuser"])
def test_every_change_takes_effect_on_the_next_request(change):
    user = make_user()
    client, key = _signed_in(user)
    assert readers.reader(key) is not None  # remembered by this worker from now on
    users = type(user).objects.filter(pk=user.pk)
    if change == "log-out":
        client.logout()
    elif change == "flush":
        Session.objects.filter(session_key=key).delete()
    elif change == "expired":
        Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    elif change == "password":
        user.set_password("a new one")
        users.update(password=user.password)  # no signal: nothing but the row tells
    elif change == "inactive":
        users.update(is_active=False)
    else:
        users.update(**{f"is_{change}": True})
    assert readers.reader(key) is None


def test_session_data_rewritten_for_another_user_is_not_served_as_the_first():
    first, second = make_user(), make_user()
    _, key = _signed_in(first)
    assert readers.reader(key).pk == first.pk
    _, other_key = _signed_in(second)
    Session.objects.filter(session_key=key).update(
        session_data=Session.objects.get(session_key=other_key).session_data)
    assert readers.reader(key) is None


@pytest.mark.parametrize("key", ["", "nosuchsession0123456789abcdefghi", "x" * 300])
def test_unknown_keys_give_nobody(key):
    assert readers.reader(key) is None


def test_a_backend_no_longer_configured_gives_nobody(settings):
    _, key = _signed_in(make_user())
    settings.AUTHENTICATION_BACKENDS = ["paperfeed.accounts.oidc.InstitutionBackend"]
    assert readers.reader(key) is None


def test_a_new_secret_key_means_django_decides(settings):
    _, key = _signed_in(make_user())
    assert readers.reader(key) is not None
    settings.SECRET_KEY = "another secret key, long enough for Django's checks 0123456789"
    assert readers.reader(key) is None


def test_other_session_engines_get_the_generic_check(settings):
    user = make_user()
    _, key = _signed_in(user)
    assert readers.supported()
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # reads the same rows
    assert not readers.supported()
    assert readers.reader(key).pk == user.pk
    type(user).objects.filter(pk=user.pk).update(is_staff=True)
    assert readers.reader(key) is None
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    settings.SESSION_SAVE_EVERY_REQUEST = True  # Django would write the session: let it
    assert not readers.supported() and readers.reader(key) is None
