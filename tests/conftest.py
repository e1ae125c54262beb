"""Shared fixtures: real database (pytest-django), shared data location, factories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.cache import caches

from tests.browser import chromium_page

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("PAPERFEED_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """The page cache is off in every test, so no test sees a page another one cached.

    The page-cache tests (tests/web/) turn it on with ``settings.PAGE_CACHE_SECONDS``.
    """
    settings.PAGE_CACHE_SECONDS = 0
    settings.SEARCH_CACHE_SECONDS = 0  # likewise search results (tests/search/test_cache.py turns it on)
    # Rate-limit counts per test process: the default file cache under DATA_DIR would be shared by the
    # xdist workers. The real-server tests (tests/deploy/) run the default, shared by gunicorn's workers.
    # No shared search renderings either (the default is a folder under DATA_DIR that every test
    # process would share); tests/search/test_cache_views.py gives its tests one of their own.
    settings.CACHES = {**settings.CACHES, "ratelimits": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimits"},
        "search": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    # A LocMemCache's store outlives the settings change: start every test with no counts.
    caches["ratelimits"].clear()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ../shared/data folder; skips the test cleanly when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback; Django's SMTP backend is pointed at it. Yields the handler."""
    from tests.smtp import smtp_server

    with smtp_server() as (handler, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        yield handler


@pytest.fixture
def page():
    """A chromium page (Playwright) in a fresh browser; skips when Debian's chromium is absent."""
    with chromium_page() as browser_page:
        yield browser_page


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases; on PostgreSQL, sessions still open on them are ended first.

    Two kinds outlive their tests, and would make dropping the test database fail: a live
    server's request thread, held by a client's keep-alive connection after its server stopped
    (its database connection closes only when the HTTP one does), and what Django ran inside
    Playwright's event-loop greenlet, which has a context, and so connections, of its own.
    """
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            # With a timeout, each call returns once its backend has exited (PostgreSQL 14 and later).
            cursor.execute("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
