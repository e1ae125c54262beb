"""Search answers replayed by the page cache's fast path while the catalogue's watermark holds."""

from __future__ import annotations

import io
import json

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from paperfeed.api import search as api_search
from paperfeed.search import services as search_services
from paperfeed.search import views as search_views
from paperfeed.search.cache import Generation, TtlLru
from paperfeed.search.services import WATERMARK_HEADER
from paperfeed.web import pagecache
from paperfeed.web.pagecache import PageCacheApp
from tests.factories import make_paper, make_user
# page_cache and clock: test_pagecache's fixtures.
from tests.web.test_pagecache import _call, _environ, _Recorder, clock, page_cache  # noqa: F401

pytestmark = pytest.mark.django_db
PATHS = ("/search", "/api/papers/search")


@pytest.fixture
def app(page_cache, clock, settings, monkeypatch):
    """PageCacheApp in front of Django; page cache 30 s, search results kept 60 s, nothing to settle."""
    settings.SEARCH_CACHE_SECONDS = 60
    monkeypatch.setattr(pagecache, "_last_watermark", (float("-inf"), ""))  # no read kept from another test
    monkeypatch.setattr(search_services, "GENERATION", Generation(settle=0))
    monkeypatch.setattr(search_services, "RESULTS", TtlLru(16))
    search_views.FRAGMENTS.clear()
    api_search.BODIES.clear()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield PageCacheApp(_Recorder(get_wsgi_application()))
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _get(app, path: str, query: str):
    return _call(app, {**_environ(path), "QUERY_STRING": query, "wsgi.input": io.BytesIO(b"")})


def _found(path: str, body: bytes, title: str) -> bool:
    if path == "/search":
        return title.encode() in body.replace(b"<mark>", b"").replace(b"</mark>", b"")
    return title in [hit["paper"]["title"] for hit in json.loads(body)]


@pytest.mark.parametrize("path", PATHS)
def test_a_search_is_replayed_past_the_page_cache_while_the_watermark_holds(app, clock, path):
    make_paper(title="Replayed title one")
    first = _get(app, path, "q=replayed+title")
    assert app.app.calls == 1 and WATERMARK_HEADER not in first[1]
    clock[0] += 45  # past the page cache's 30 s, inside SEARCH_CACHE_SECONDS
    again = _get(app, path, "q=replayed+title")
    assert app.app.calls == 1 and again[1]["X-Search-Cache"] == "hit"  # one watermark read, no Django
    assert WATERMARK_HEADER not in again[1]
    # A new paper moves the watermark: once the fast path reads it again (it reuses a read for
    # half a second), the next answer is searched again, and finds it.
    make_paper(title="Replayed title two")
    _get(app, path, "q=replayed+title")
    assert app.app.calls == 1  # the read of a moment ago still holds
    clock[0] += pagecache.WATERMARK_REUSE_SECONDS
    moved = _get(app, path, "q=replayed+title")
    assert app.app.calls == 2 and _found(path, moved[3], "Replayed title two")


@pytest.mark.parametrize("path", PATHS)
def test_a_replay_ends_with_the_search_cache_seconds(app, clock, path):
    make_paper(title="Replayed title one")
    _get(app, path, "q=replayed+title")
    clock[0] += 59
    _get(app, path, "q=replayed+title")
    assert app.app.calls == 1
    clock[0] += 2  # 61 s after it was rendered
    _get(app, path, "q=replayed+title")
    assert app.app.calls == 2


def test_other_pages_are_not_replayed_past_the_page_cache(app, clock):
    paper = make_paper(title="A paper page")
    url = paper.get_absolute_url()
    _call(app, _environ(url))
    clock[0] += 31
    _call(app, _environ(url))
    assert app.app.calls == 2


@pytest.mark.parametrize("path", PATHS)
def test_the_watermark_header_never_leaves_the_server(client, settings, path):
    settings.SEARCH_CACHE_SECONDS = 60
    settings.PAGE_CACHE_SECONDS = 0
    make_paper(title="Header title")
    assert WATERMARK_HEADER not in client.get(path, {"q": "header title"}).headers
    client.force_login(make_user())
    settings.PAGE_CACHE_SECONDS = 30
    assert WATERMARK_HEADER not in client.get(path, {"q": "header title"}).headers
