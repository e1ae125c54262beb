"""The anonymous page cache: fresh within seconds, never shared CSRF secrets, never for signed-in readers."""

from __future__ import annotations

import hashlib
import re
import time

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.template import RequestContext, Template
from django.test import Client
from django.urls import path

from paperfeed.catalog.pagecache import anonymous_page_cache
from tests.factories import make_paper

pytestmark = pytest.mark.django_db

renders = {"n": 0}


@anonymous_page_cache
def form_page(request):
    renders["n"] += 1
    html = Template("<form method=post action=/submit-form>{% csrf_token %}</form>").render(RequestContext(request))
    return HttpResponse(html)


def submit_form(request):
    return HttpResponse("accepted")


urlpatterns = [path("form", form_page), path("submit-form", submit_form)]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 30
    cache.clear()
    yield
    cache.clear()


def test_cache_is_off_in_tests_unless_asked(client):
    make_paper(title="First title")
    assert b"First title" in client.get("/").content
    make_paper(title="Second title")
    assert b"Second title" in client.get("/").content


def test_anonymous_pages_are_cached_and_expire(client, settings, page_cache):
    paper = make_paper(title="Before the edit", imported_upvotes=1)
    assert b"Before the edit" in client.get("/").content
    type(paper).objects.filter(pk=paper.pk).update(title="After the edit")
    assert b"Before the edit" in client.get("/").content  # served from the cache
    settings.PAGE_CACHE_SECONDS = 0.3
    cache.clear()
    client.get("/")
    type(paper).objects.filter(pk=paper.pk).update(title="Edited again")
    time.sleep(0.4)
    assert b"Edited again" in client.get("/").content  # stale for at most the configured seconds


def test_signed_in_readers_always_get_fresh_pages(client, django_user_model, page_cache):
    paper = make_paper(title="Original")
    client.get("/")
    user = django_user_model.objects.create_user("reader", "r@example.org", "pw-unguessable-123")
    client.force_login(user)
    type(paper).objects.filter(pk=paper.pk).update(title="Changed")
    assert b"Changed" in client.get("/").content


def test_errors_are_not_cached(client, page_cache):
    assert client.get("/papers/2606.99999").status_code == 404
    make_paper(arxiv_id="2606.99999")
    assert client.get("/papers/2606.99999").status_code == 200


@pytest.mark.urls("tests.catalog.test_pages_cache")
def test_each_reader_gets_their_own_csrf_token(page_cache):
    renders["n"] = 0
    alice, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    alice_token = TOKEN.search(alice.get("/form").content.decode())[1]
    bob_token = TOKEN.search(bob.get("/form").content.decode())[1]
    assert renders["n"] == 1  # bob got the cached page
    assert alice.cookies["csrftoken"].value != bob.cookies["csrftoken"].value
    assert alice.post("/submit-form", {"csrfmiddlewaretoken": alice_token}).status_code == 200
    assert bob.post("/submit-form", {"csrfmiddlewaretoken": bob_token}).status_code == 200
    assert bob.post("/submit-form", {"csrfmiddlewaretoken": alice_token}).status_code == 403
    # The cached copy holds a placeholder, never a reader's token.
    content, _ = cache.get("pf:page:" + hashlib.sha1(b"/form").hexdigest())
    assert b"__paperfeed_csrf__" in content
    assert alice_token.encode() not in content and bob_token.encode() not in content
