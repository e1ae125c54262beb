"""Which database a read goes to (paperfeed/web/replica.py), decided without a real replica.

The real streaming replica is in tests/deploy/test_replica_pg.py; here the router and the
middleware run against views that only ask the router, and a "replica" alias that is either a
second SQLite file or one that cannot be opened (a replica outage).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.db import connections, router, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from paperfeed.catalog.models import Paper
from paperfeed.web import pagecache, replica
from paperfeed.web.replica import PIN_COOKIE, ReplicaMiddleware, ReplicaRouter, request_reads

# The "replica" alias is added for a test and taken away after it: not a change Django's connections miss.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
ROUTER = "paperfeed.web.replica.ReplicaRouter"
NOW = 1_800_000_000.0


@pytest.fixture(autouse=True)
def replica_up():
    """No test starts with (or leaves) the replica marked down in this process."""
    replica.mark_replica_down(now=-1e9)
    yield
    replica.mark_replica_down(now=-1e9)


@pytest.fixture
def replica_alias(settings, tmp_path, django_db_blocker):
    """A "replica" database, the router on; returns a function that breaks it (an outage)."""
    settings.DATABASES = {**settings.DATABASES, "replica": {}}  # what the middleware looks for
    settings.DATABASE_ROUTERS = [ROUTER]
    # A SQLite file whatever the test database is: the views below only open the connection.
    connections.settings["replica"] = {**connections.settings["default"], "ENGINE": "django.db.backends.sqlite3",
                                       "NAME": str(tmp_path / "replica.sqlite3"), "OPTIONS": {},
                                       "HOST": "", "PORT": "", "USER": "", "PASSWORD": ""}

    def break_it() -> None:
        connections["replica"].close()
        connections.settings["replica"]["NAME"] = str(tmp_path / "missing" / "replica.sqlite3")
        del connections["replica"]

    with django_db_blocker.unblock():
        yield break_it
        connections["replica"].close()
    del connections["replica"]
    del connections.settings["replica"]


def _recording_view(*, write: bool = False):
    """A view that reports where its reads go (after a write when ``write``), opening that connection."""

    def view(request):
        if write:
            router.db_for_write(Paper)
        alias = router.db_for_read(Paper)
        connections[alias].ensure_connection()
        return HttpResponse(alias)

    return convert_exception_to_response(view)  # as in Django's stack: an exception becomes a 500


# --- the router ---------------------------------------------------------------------------------


def test_reads_outside_a_request_go_to_the_primary():
    # The worker, management commands, the shell: no request set anything.
    assert ReplicaRouter().db_for_read(Paper) == "default"


def test_a_safe_request_reads_the_replica_and_an_unsafe_one_the_primary():
    with request_reads(replica=True) as reads:
        assert ReplicaRouter().db_for_read(Paper) == "replica"
    assert reads.used_replica
    with request_reads(replica=False) as reads:
        assert ReplicaRouter().db_for_read(Paper) == "default"
    assert not reads.used_replica
    assert ReplicaRouter().db_for_read(Paper) == "default"  # reset when the block ends


def test_after_a_write_every_read_of_the_request_goes_to_the_primary():
    with request_reads(replica=True) as reads:
        assert ReplicaRouter().db_for_write(Paper) == "default"
        assert ReplicaRouter().db_for_read(Paper) == "default"
    assert reads.wrote and not reads.used_replica


def test_sessions_are_always_read_from_the_primary():
    with request_reads(replica=True):
        assert ReplicaRouter().db_for_read(Session) == "default"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_go_to_the_primary():
    with request_reads(replica=True):
        with transaction.atomic():
            assert ReplicaRouter().db_for_read(Paper) == "default"
        assert ReplicaRouter().db_for_read(Paper) == "replica"


def test_migrations_run_on_the_primary_and_relations_span_both():
    assert ReplicaRouter().allow_migrate("default", "catalog") is True
    assert ReplicaRouter().allow_migrate("replica", "catalog") is False
    assert ReplicaRouter().allow_relation(object(), object()) is True


# --- the pin ------------------------------------------------------------------------------------


def test_a_pin_holds_for_replica_pin_seconds(settings):
    settings.REPLICA_PIN_SECONDS = 10
    value = replica.pin_value(now=NOW)
    assert replica.is_pinned(value, now=NOW)
    assert replica.is_pinned(value, now=NOW + 9.5)
    assert not replica.is_pinned(value, now=NOW + 10)
    settings.REPLICA_PIN_SECONDS = 60
    assert replica.is_pinned(value, now=NOW + 30)


@pytest.mark.parametrize("value", [None, "", "1800000000", "1800000000:forged", "x" * 300, "abc:def:ghi"])
def test_a_missing_forged_or_malformed_pin_is_no_pin(value):
    assert not replica.is_pinned(value, now=NOW)


def test_the_pin_cookie_keeps_a_reader_off_every_shared_page_cache_entry(settings):
    # A pinned reader is rendered in full from the primary: never the anonymous entry, never the shared signed-in one.
    session, csrf = settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME
    assert pagecache.member_cookies({session, csrf}) and pagecache.cookies_allow_cache({csrf})
    assert not pagecache.member_cookies({session, csrf, PIN_COOKIE})
    assert not pagecache.cookies_allow_cache({csrf, PIN_COOKIE})


# --- the middleware -----------------------------------------------------------------------------


def test_without_a_replica_the_middleware_leaves_the_chain():
    with pytest.raises(MiddlewareNotUsed):
        ReplicaMiddleware(_recording_view())


def test_get_reads_the_replica_and_sets_no_pin(replica_alias):
    response = ReplicaMiddleware(_recording_view())(RequestFactory().get("/"))
    assert response.content == b"replica" and PIN_COOKIE not in response.cookies
    assert ReplicaMiddleware(_recording_view())(RequestFactory().head("/")).content == b"replica"


def test_post_reads_the_primary_and_pins_the_reader(replica_alias, settings):
    settings.REPLICA_PIN_SECONDS = 10
    response = ReplicaMiddleware(_recording_view())(RequestFactory().post("/"))
    assert response.content == b"default"
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["max-age"] == 10 and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert replica.is_pinned(cookie.value, now=time.time())


def test_a_get_that_writes_pins_the_reader_and_reads_its_own_write(replica_alias):
    response = ReplicaMiddleware(_recording_view(write=True))(RequestFactory().get("/"))
    assert response.content == b"default" and PIN_COOKIE in response.cookies


def test_a_pinned_reader_reads_the_primary_until_the_pin_expires(replica_alias, settings):
    settings.REPLICA_PIN_SECONDS = 10
    request = RequestFactory().get("/")
    request.COOKIES[PIN_COOKIE] = replica.pin_value(now=time.time())
    response = ReplicaMiddleware(_recording_view())(request)
    assert response.content == b"default" and PIN_COOKIE not in response.cookies  # reading renews nothing
    request = RequestFactory().get("/")
    request.COOKIES[PIN_COOKIE] = replica.pin_value(now=time.time() - 11)
    assert ReplicaMiddleware(_recording_view())(request).content == b"replica"


def test_a_token_that_wrote_reads_the_primary_on_every_worker_until_its_pin_expires(replica_alias, settings):
    settings.REPLICA_PIN_SECONDS = 10
    token = {"HTTP_AUTHORIZATION": "Bearer pf_reader_one"}
    assert ReplicaMiddleware(_recording_view())(RequestFactory().post("/", **token)).content == b"default"
    # No cookie comes back from a program: the next request carries the same token and nothing else.
    assert ReplicaMiddleware(_recording_view())(RequestFactory().get("/", **token)).content == b"default"
    other = {"HTTP_AUTHORIZATION": "Bearer pf_reader_two"}
    assert ReplicaMiddleware(_recording_view())(RequestFactory().get("/", **other)).content == b"replica"
    assert ReplicaMiddleware(_recording_view())(RequestFactory().get("/")).content == b"replica"
    assert not replica.token_pinned(RequestFactory().get("/", **token), now=time.time() + 11)


def test_a_refused_write_pins_no_token(replica_alias):
    def refused(request):
        return HttpResponse(status=401)

    token = {"HTTP_AUTHORIZATION": "Bearer pf_wrong"}
    ReplicaMiddleware(refused)(RequestFactory().post("/", **token))
    assert not replica.token_pinned(RequestFactory().get("/", **token), now=time.time())


def test_when_the_pins_cannot_be_read_a_token_reads_the_primary(replica_alias, monkeypatch):
    class Down:
        def get(self, key):
            raise ConnectionError("redis down")

    monkeypatch.setattr(replica, "caches", {replica.PIN_CACHE: Down()})
    assert replica.token_pinned(RequestFactory().get("/", HTTP_AUTHORIZATION="Bearer pf_x"), now=time.time())
    assert not replica.token_pinned(RequestFactory().get("/"), now=time.time())


def test_the_lag_of_a_replica_that_does_not_answer_is_infinite(replica_alias):
    replica_alias()
    assert replica.replica_lag_seconds() == float("inf")


def test_without_a_replica_there_is_no_lag_to_report():
    assert replica.replica_lag_seconds() is None


def test_a_request_that_fails_on_a_dead_replica_is_answered_from_the_primary(replica_alias):
    replica_alias()
    response = ReplicaMiddleware(_recording_view())(RequestFactory().get("/"))
    assert (response.status_code, response.content) == (200, b"default")
    # The replica is left alone for a while: the next requests go straight to the primary.
    monotonic = time.monotonic()
    assert replica.replica_down(now=monotonic)
    assert not replica.may_read_replica(RequestFactory().get("/"), now=NOW, monotonic=monotonic)
    assert replica.may_read_replica(RequestFactory().get("/"), now=NOW, monotonic=monotonic + replica.RETRY_SECONDS)


def test_a_failing_view_on_a_healthy_replica_is_not_run_again(replica_alias):
    calls = []

    def broken(request):
        calls.append(router.db_for_read(Paper))
        raise ValueError("a bug, not an outage")

    response = ReplicaMiddleware(convert_exception_to_response(broken))(RequestFactory().get("/"))
    assert response.status_code == 500 and calls == ["replica"]


# --- settings -----------------------------------------------------------------------------------


def _settings_with(tmp_path, **env: str) -> subprocess.CompletedProcess:
    code = ("import json, django; from django.conf import settings; django.setup(); "
            "print(json.dumps({'replica': settings.DATABASES.get('replica'), 'routers': settings.DATABASE_ROUTERS}))")
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("PAPERFEED_") and k not in {"DATABASE_URL", "DATABASE_REPLICA_URL"}}
    clean.update(PAPERFEED_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="paperfeed.settings", **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=clean)


def test_the_replica_url_adds_the_alias_and_the_router(tmp_path):
    done = _settings_with(tmp_path, DATABASE_URL="postgres://app@db.example.org/paperfeed",
                          DATABASE_REPLICA_URL="postgres://app@replica.example.org/paperfeed")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["routers"] == [ROUTER]
    assert found["replica"]["HOST"] == "replica.example.org"
    assert found["replica"]["CONN_HEALTH_CHECKS"] is True and found["replica"]["CONN_MAX_AGE"] == 60
    assert found["replica"]["TEST"]["MIRROR"] == "default"  # the test runner creates no second database
    assert found["replica"]["OPTIONS"]["connect_timeout"] == 3


def test_a_replica_of_a_sqlite_install_is_refused(tmp_path):
    done = _settings_with(tmp_path, DATABASE_REPLICA_URL="postgres://app@replica.example.org/paperfeed")
    assert done.returncode != 0 and "DATABASE_REPLICA_URL" in done.stderr
