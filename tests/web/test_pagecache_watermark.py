"""Search answers replayed by the page cache's fast path while the catalogue's watermark holds."""

from __future__ import annotations

import io
import json

import pytest
from django.core import signals
from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from paperfeed import settings as configured
from paperfeed.api import search as api_search
from paperfeed.search import services as search_services
from paperfeed.search import views as search_views
from paperfeed.search.cache import Generation, TtlLru
from paperfeed.search.services import WATERMARK_HEADER
from paperfeed.web import answers, pagecache
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


@pytest.fixture
def shared(settings, tmp_path):
    """The "search" cache every worker of the machine shares, as the settings make it (diskcache in a folder)."""
    settings.CACHES = {**settings.CACHES, "search": {**configured.CACHES["search"], "LOCATION": str(tmp_path / "shared")}}


def _other_worker(path: str) -> PageCacheApp:
    """A second worker: a page cache and fast path of its own, which has answered one search itself."""
    caches["pages"].clear()  # the first worker's entries are its own
    worker = PageCacheApp(_Recorder(get_wsgi_application()))
    _get(worker, path, "q=warming+query")
    return worker


@pytest.mark.parametrize("path", PATHS)
def test_another_worker_replays_a_shared_search_answer_while_the_watermark_holds(app, clock, shared, path):
    make_paper(title="Shared answer title")
    first = _get(app, path, "q=shared+answer")
    other = _other_worker(path)
    calls = other.app.calls
    again = _get(other, path, "q=shared+answer")
    assert other.app.calls == calls  # no Django: the first worker's answer, with its headers
    assert again[0] == "200 OK" and again[1]["X-Search-Cache"] == "hit"
    assert again[1]["Content-Type"] == first[1]["Content-Type"] and WATERMARK_HEADER not in again[1]
    assert _found(path, again[3], "Shared answer title")
    clock[0] += 45  # it stays in this worker's page cache, replayed while the watermark holds
    _get(other, path, "q=shared+answer")
    assert other.app.calls == calls
    make_paper(title="Shared answer title two")  # the watermark moves: searched again, and found
    clock[0] += pagecache.WATERMARK_REUSE_SECONDS
    moved = _get(other, path, "q=shared+answer")
    assert other.app.calls == calls + 1 and _found(path, moved[3], "Shared answer title two")


def test_a_shared_answer_of_a_moved_catalogue_or_another_shape_is_not_replayed(app, clock, shared):
    make_paper(title="Shared answer title")
    _get(app, "/search", "q=shared+answer")
    make_paper(title="Shared answer title two")
    clock[0] += pagecache.WATERMARK_REUSE_SECONDS
    other = _other_worker("/search")
    calls = other.app.calls
    assert _found("/search", _get(other, "/search", "q=shared+answer")[3], "Shared answer title two")
    assert other.app.calls == calls + 1
    key = pagecache.page_key({"PATH_INFO": "/search", "QUERY_STRING": "q=other+shape"})
    caches["search"].set(answers._key(key), ("parts", "of", "another", "shape"))
    _get(other, "/search", "q=other+shape")
    assert other.app.calls == calls + 2


def test_a_signed_in_reader_never_gets_a_shared_answer(app, clock, shared):
    make_paper(title="Shared answer title")
    _get(app, "/search", "q=shared+answer")
    other = _other_worker("/search")
    calls = other.app.calls
    _call(other, {**_environ("/search", cookie="sessionid=abc"), "QUERY_STRING": "q=shared+answer"})
    assert other.app.calls == calls + 1


@pytest.mark.parametrize("path", PATHS)
def test_a_shared_answer_is_one_copy_and_a_signed_in_render_still_shares_its_part(app, clock, shared, path, client):
    make_paper(title="Shared answer title")
    _get(app, path, "q=shared+answer")
    kinds = sorted({key.split(":")[3] for key in caches["search"]._cache})  # ":1:search:<kind>:<hash>"
    assert kinds == ["answer1", "ranking"]  # the answer whole; no second copy of its results part
    client.force_login(make_user())
    search_views.FRAGMENTS.clear()
    api_search.BODIES.clear()
    search_services.RESULTS.clear()
    part = {"/search": "page", "/api/papers/search": "api"}[path]  # the RenderedStore's name
    client.get(path, {"q": "shared answer", "sort": "date"})  # through Django, not the fast path
    assert part in {key.split(":")[3] for key in caches["search"]._cache}
