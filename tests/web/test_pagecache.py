"""The anonymous page cache: fresh within seconds, never shared CSRF secrets, never for signed-in readers."""

from __future__ import annotations

import io
import re
import sys

import pytest
from django.core import signals
from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.http import HttpResponse
from django.template import RequestContext, Template
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path

from paperfeed import conf
from paperfeed.api import search as api_search
from paperfeed.search import services as search_services
from paperfeed.search import views as search_views
from paperfeed.search.cache import Generation, TtlLru
from paperfeed.web import pagecache
from paperfeed.web.csrf import csrf_cookie_header
from paperfeed.web.pagecache import PageCacheApp, page_key
from tests.factories import make_paper, make_user

pytestmark = pytest.mark.django_db

renders = {"n": 0}
FORM = "<form method=post action=/submit-form>{% csrf_token %}</form>"


def form_page(request):
    renders["n"] += 1
    return HttpResponse(Template(FORM).render(RequestContext(request)))


def unlisted_page(request):
    renders["n"] += 1
    return HttpResponse(Template(FORM).render(RequestContext(request)))


def missing_page(request):
    html = Template("<form method=post>{% csrf_token %}</form>").render(RequestContext(request))
    return HttpResponse(html, status=404)


def submit_form(request):
    return HttpResponse("accepted")


urlpatterns = [
    path("form", form_page, name="form"),
    path("unlisted", unlisted_page, name="unlisted"),
    path("missing", missing_page, name="missing"),
    path("submit-form", submit_form, name="submit"),
]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def page_cache(settings):
    """The page cache on, for 30 seconds, empty at the start and the end."""
    settings.PAGE_CACHE_SECONDS = 30
    caches["pages"].clear()
    yield
    caches["pages"].clear()


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    """The page cache's clock, held still; a test moves it by adding to ``clock[0]``."""
    now = [1_900_000_000.0]
    monkeypatch.setattr(pagecache, "clock", lambda: now[0])
    return now


@pytest.fixture
def test_urls(settings):
    """This module's pages as the site; "form" and "missing" are the cached views."""
    settings.ROOT_URLCONF = "tests.web.test_pagecache"
    settings.PAGE_CACHE_VIEWS = ["form", "missing"]
    renders["n"] = 0


def test_cache_is_off_in_tests_unless_asked(client):
    make_paper(title="First title")
    assert b"First title" in client.get("/").content
    make_paper(title="Second title")
    assert b"Second title" in client.get("/").content


def test_anonymous_pages_are_cached_and_expire(client, page_cache, clock):
    paper = make_paper(title="Before the edit", imported_upvotes=1)
    assert b"Before the edit" in client.get("/").content
    type(paper).objects.filter(pk=paper.pk).update(title="After the edit")
    clock[0] += 29.9
    assert b"Before the edit" in client.get("/").content  # served from the cache
    clock[0] += 0.2
    assert b"After the edit" in client.get("/").content  # stale for at most the configured seconds


@pytest.mark.parametrize("url", ["/papers/{id}", "/api/papers/{id}", "/api/daily_papers", "/feeds/daily.rss",
                                 "/search?q=cached", "/api/papers/search?q=cached"])
def test_pages_api_and_feeds_are_cached(client, page_cache, url):
    paper = make_paper(title="Cached title")
    url = url.format(id=paper.arxiv_id)
    title = b"<mark>Cached</mark> title" if url.startswith("/search") else b"Cached title"  # highlighted there
    assert title in client.get(url).content
    type(paper).objects.filter(pk=paper.pk).update(title="Edited title")
    assert title in client.get(url).content


def test_signed_in_readers_always_get_fresh_pages(client, page_cache):
    paper = make_paper(title="Original")
    client.get("/")
    client.force_login(make_user(username="reader"))
    type(paper).objects.filter(pk=paper.pk).update(title="Changed")
    assert b"Changed" in client.get("/").content


def test_errors_are_not_cached(client, page_cache):
    assert client.get("/papers/2606.99999").status_code == 404
    make_paper(arxiv_id="2606.99999")
    assert client.get("/papers/2606.99999").status_code == 200


def test_only_the_listed_views_are_cached(client, page_cache, test_urls):
    client.get("/unlisted")
    client.get("/unlisted")
    assert renders["n"] == 2
    client.get("/form")
    client.get("/form")
    assert renders["n"] == 3


def test_default_views_are_the_sites_url_names():
    """Every name in PAGE_CACHE_VIEWS' default is a URL name of the site (a renamed view would drop out)."""
    assert set(conf.BY_NAME["PAGE_CACHE_VIEWS"].default) <= set(_view_names(get_resolver()))


def _view_names(resolver: URLResolver, namespace: str = "") -> list[str]:
    names = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += _view_names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(f"{namespace}{entry.name}")
    return names


def test_each_reader_gets_their_own_csrf_token(page_cache, test_urls):
    alice, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    alice_token = TOKEN.search(alice.get("/form").content.decode())[1]
    bob_token = TOKEN.search(bob.get("/form").content.decode())[1]
    assert renders["n"] == 1  # bob got the cached page
    assert alice.cookies["csrftoken"].value != bob.cookies["csrftoken"].value
    assert alice.post("/submit-form", {"csrfmiddlewaretoken": alice_token}).status_code == 200
    assert bob.post("/submit-form", {"csrfmiddlewaretoken": bob_token}).status_code == 200
    assert bob.post("/submit-form", {"csrfmiddlewaretoken": alice_token}).status_code == 403
    # The cached copy is cut where the token goes and holds no reader's token.
    parts = caches["pages"].get(page_key({"PATH_INFO": "/form", "QUERY_STRING": ""}))[0]
    content = b"".join(parts)
    assert len(parts) == 2 and b'value=""' in content
    assert alice_token.encode() not in content and bob_token.encode() not in content


def test_uncached_error_pages_carry_the_readers_own_token(page_cache, test_urls):
    reader = Client(enforce_csrf_checks=True)
    resp = reader.get("/missing")
    assert resp.status_code == 404
    token = TOKEN.search(resp.content.decode())[1]
    assert reader.post("/submit-form", {"csrfmiddlewaretoken": token}).status_code == 200


def test_data_cannot_fake_a_token_field(client, page_cache):
    paper = make_paper(abstract='Evil name="csrfmiddlewaretoken" value="x" end')
    for _ in range(2):  # rendered, then cached
        html = client.get(paper.get_absolute_url()).content.decode()
        assert 'Evil name=&quot;csrfmiddlewaretoken&quot; value=&quot;x&quot; end' in html


# --- the WSGI fast path (what `paperfeed serve` runs) --------------------------------------------


def _environ(path: str = "/form", cookie: str = "", host: str = "testserver") -> dict:
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
           "SERVER_PORT": "80", "HTTP_HOST": host, "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http",
           "wsgi.errors": sys.stderr, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}
    if cookie:
        env["HTTP_COOKIE"] = cookie
    return env


class _Recorder:
    def __init__(self, app):
        self.app, self.calls = app, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app(environ, start_response)


def _call(app, environ) -> tuple[str, dict, list[tuple[str, str]], bytes]:
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers

    body = b"".join(app(environ, start_response))
    return seen["status"], dict(seen["headers"]), seen["headers"], body


@pytest.fixture
def fast_app(page_cache, test_urls):
    """PageCacheApp in front of Django (counting the requests that reach Django)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    django_app = _Recorder(get_wsgi_application())
    yield PageCacheApp(django_app), django_app
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db(False)
def test_fast_path_serves_cached_pages_with_django_headers_and_own_tokens(fast_app):
    app, django_app = fast_app
    status, first, _, body1 = _call(app, _environ())
    assert status.startswith("200") and "X-Paperfeed-Page-Key" not in first
    assert django_app.calls == 1
    status, headers, raw, body2 = _call(app, _environ())
    assert status.startswith("200") and django_app.calls == 1  # answered without Django
    for name in ("X-Frame-Options", "X-Content-Type-Options", "Content-Type", "Vary"):
        assert headers.get(name) == first.get(name), name
    assert int(headers["Content-Length"]) == len(body2)
    cookie = next(v for n, v in raw if n == "Set-Cookie")
    assert cookie.startswith("csrftoken=") and "Path=/" in cookie and "SameSite=Lax" in cookie
    secret = cookie.split(";")[0].split("=", 1)[1]
    token = TOKEN.search(body2.decode())[1]
    assert token != TOKEN.search(body1.decode())[1]
    # Django's own CSRF check accepts the fast path's cookie and token together.
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = secret
    assert client.post("/submit-form", {"csrfmiddlewaretoken": token}).status_code == 200
    # A reader who already has a CSRF cookie keeps it and gets a token for it.
    _, headers, raw, body3 = _call(app, _environ(cookie=f"csrftoken={secret}"))
    assert django_app.calls == 1 and not [v for n, v in raw if n == "Set-Cookie"]
    assert client.post("/submit-form", {"csrfmiddlewaretoken": TOKEN.search(body3.decode())[1]}).status_code == 200


@pytest.mark.django_db(False)
@pytest.mark.parametrize(
    "environ",
    [
        _environ(cookie="sessionid=abc"), _environ(cookie="messages=xyz; csrftoken=" + "a" * 32),
        _environ(host="evil.example"), {**_environ(), "REQUEST_METHOD": "POST"},
    ],
)
def test_fast_path_falls_through_to_django(fast_app, environ):
    app, django_app = fast_app
    _call(app, _environ())  # cache the page and learn its headers
    calls = django_app.calls
    _call(app, environ)
    assert django_app.calls == calls + 1


@pytest.mark.django_db(False)
def test_fast_path_does_not_serve_expired_pages(fast_app, clock):
    app, django_app = fast_app
    _call(app, _environ())
    clock[0] += 29.9
    _call(app, _environ())
    assert django_app.calls == 1
    clock[0] += 0.2
    _call(app, _environ())
    assert django_app.calls == 2 and renders["n"] == 2


@pytest.mark.django_db(False)
def test_fast_path_is_off_with_the_cache(fast_app, settings):
    app, django_app = fast_app
    settings.PAGE_CACHE_SECONDS = 0
    _call(app, _environ())
    _call(app, _environ())
    assert django_app.calls == 2


@pytest.mark.django_db(False)
def test_fast_path_sends_no_body_for_head(fast_app):
    app, _ = fast_app
    status, headers, _, body = _call(app, {**_environ(), "REQUEST_METHOD": "HEAD"})
    assert status.startswith("200") and body == b"" and int(headers["Content-Length"]) > 0


def test_fast_path_cookie_header_matches_djangos(settings):
    for secure, httponly, domain in ((False, False, None), (True, True, "example.org")):
        settings.CSRF_COOKIE_SECURE, settings.CSRF_COOKIE_HTTPONLY, settings.CSRF_COOKIE_DOMAIN = secure, httponly, domain
        django_response = HttpResponse()
        django_response.set_cookie(
            settings.CSRF_COOKIE_NAME, "s" * 32, max_age=settings.CSRF_COOKIE_AGE, domain=domain,
            path=settings.CSRF_COOKIE_PATH, secure=secure, httponly=httponly, samesite=settings.CSRF_COOKIE_SAMESITE,
        )
        expected = django_response.cookies[settings.CSRF_COOKIE_NAME].output(header="").strip()
        ours = csrf_cookie_header("s" * 32)
        drop_expires = lambda header: sorted(a for a in header.split("; ") if not a.startswith("expires="))  # noqa: E731
        assert drop_expires(ours) == drop_expires(expected)


@pytest.mark.django_db
@pytest.mark.parametrize("header", [{"HTTP_AUTHORIZATION": "Bearer pf_x"}, {"HTTP_ACCEPT": "text/markdown"}])
def test_personal_or_other_representations_are_never_cached(settings, header):
    """A token holder's answer or a Markdown request must not fill or be served from the cache."""
    from django.test import RequestFactory

    from paperfeed.web.pagecache import is_cacheable

    settings.PAGE_CACHE_SECONDS = 60
    request = RequestFactory().get("/api/daily_papers", **header)
    assert not is_cacheable(request)
    assert is_cacheable(RequestFactory().get("/api/daily_papers"))


@pytest.mark.django_db(False)
def test_fast_path_writes_the_access_line_django_would(fast_app, settings, caplog):
    """A page answered before Django still gets its access-log line (PAPERFEED_LOG_FORMAT=json)."""
    settings.ACCESS_LOG = True
    app, django_app = fast_app
    _call(app, _environ())  # through Django (its middleware writes that line)
    caplog.clear()
    with caplog.at_level("INFO", logger="paperfeed.access"):
        status, _, _, _ = _call(app, _environ())
    assert status.startswith("200") and django_app.calls == 1
    [line] = [r for r in caplog.records if r.name == "paperfeed.access"]
    assert (line.method, line.status) == ("GET", 200) and line.path


def test_a_replayed_search_says_it_ran_no_search(page_cache, settings, monkeypatch):
    settings.SEARCH_CACHE_SECONDS = 30  # the API says "miss" or "hit" only about results it may keep
    monkeypatch.setattr(search_services, "GENERATION", Generation(settle=0))
    monkeypatch.setattr(search_services, "RESULTS", TtlLru(16))
    search_views.FRAGMENTS.clear()
    api_search.BODIES.clear()
    make_paper(title="Cached title")
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        app = PageCacheApp(_Recorder(get_wsgi_application()))
        for path in ("/search", "/api/papers/search"):
            environ = {**_environ(path), "QUERY_STRING": "q=cached+title"}
            answers = [_call(app, {**environ, "wsgi.input": io.BytesIO(b"")}) for _ in range(2)]
            assert [a[1]["X-Search-Cache"] for a in answers] == ["miss", "hit"]
            assert TOKEN.sub("", answers[0][3].decode()) == TOKEN.sub("", answers[1][3].decode())  # each its own token
            assert app.app.calls == (1 if path == "/search" else 2)  # the second answer never reached Django
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
