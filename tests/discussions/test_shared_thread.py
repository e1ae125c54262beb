"""The discussion on a page shared by signed-in readers: each reader's actions and form are slots."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.template import RequestContext, Template
from django.test import Client
from django.urls import include, path

from paperfeed.catalog.models import Paper
from paperfeed.discussions.models import CommentVote
from paperfeed.web import pagecache
from paperfeed.personal.models import Note, ReadMark
from paperfeed.web import slots
from tests.factories import make_collection, make_comment, make_paper, make_user, make_verified_user

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PAGE = Template("{% load discussions_tags %}{% discussion paper %}")


def thread_page(request):
    return HttpResponse(PAGE.render(RequestContext(request, {"paper": Paper.objects.order_by("pk").first()})))


urlpatterns = [path("thread", thread_page, name="thread"), path("", include("paperfeed.urls"))]


@pytest.fixture
def shared(settings, monkeypatch) -> list[int]:
    """This module's page, shared by signed-in readers for 30 s; counts the shared renders."""
    settings.ROOT_URLCONF = "tests.discussions.test_shared_thread"
    settings.PAGE_CACHE_VIEWS = settings.PAGE_CACHE_MEMBER_VIEWS = ["thread"]
    settings.PAGE_CACHE_SECONDS = 30
    cache.clear()
    caches["pages"].clear()
    count, real = [0], pagecache._render_shared

    def counting(*args, **kwargs):
        count[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(pagecache, "_render_shared", counting)
    yield count
    cache.clear()
    caches["pages"].clear()


@pytest.fixture
def paper_page_shared(settings):
    """The site's paper page, shared by signed-in readers for 30 s; every cache empty before and after."""
    settings.PAGE_CACHE_SECONDS = 30
    settings.PAGE_CACHE_MEMBER_VIEWS = ["catalog:paper"]
    cache.clear()
    caches["pages"].clear()
    yield
    cache.clear()
    caches["pages"].clear()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _actions(html: str, comment) -> str:
    return re.search(rf'<article class="comment" id="c-{comment.pk}">.*?<footer class="comment-actions">(.*?)</footer>',
                     html, re.S)[1]


def _no_tokens(html: str) -> str:
    return TOKEN.sub('name="csrfmiddlewaretoken" value=""', html)


def test_each_reader_gets_their_own_thread_state_and_token(shared):
    paper = make_paper()
    alice, bob = make_verified_user(username="alice"), make_verified_user(username="bob")
    unverified = make_user(username="carol")
    mine, theirs = make_comment(paper=paper, user=alice), make_comment(paper=paper, user=bob)
    CommentVote.objects.create(user=alice, comment=theirs)
    a, b, c = (_client(u).get("/thread").content.decode() for u in (alice, bob, unverified))
    assert shared[0] == 1
    assert "/edit" in _actions(a, mine) and "/delete" in _actions(a, mine) and "/edit" not in _actions(a, theirs)
    assert 'aria-pressed="true"' in _actions(a, theirs) and 'aria-pressed="false"' in _actions(b, theirs)
    assert "/edit" in _actions(b, theirs) and "/edit" not in _actions(b, mine)
    assert "comment-vote" not in _actions(c, mine) and "Confirm your email" in c and "comment-form" not in c
    assert 'class="comment-form"' in a and 'class="comment-form"' in b
    assert TOKEN.findall(a)[0] != TOKEN.findall(b)[0]
    assert len(set(TOKEN.findall(a))) >= 1 and not set(TOKEN.findall(a)) & set(TOKEN.findall(b))
    assert "pf-slot" not in a + b + c and "pf-csrf" not in a + b + c


def test_the_filled_page_is_what_a_full_render_shows(shared, settings):
    paper = make_paper()
    alice, bob = make_verified_user(username="alice"), make_verified_user(username="bob")
    top = make_comment(paper=paper, user=bob)
    make_comment(paper=paper, user=alice, parent=top)
    CommentVote.objects.create(user=alice, comment=top)
    reader = _client(alice)
    filled = reader.get("/thread").content.decode()
    settings.PAGE_CACHE_SECONDS = 0
    assert _no_tokens(filled) == _no_tokens(reader.get("/thread").content.decode())


def test_no_readers_data_is_in_the_shared_bytes(shared):
    paper = make_paper()
    writer = make_verified_user(username="writer")
    make_comment(paper=paper, user=writer)
    _client(make_verified_user(username="secretreader")).get("/thread")
    key = next(k for k in caches["pages"]._cache if "pf:member" in k)  # locmem: the one member entry
    (parts, found, _), _ = pagecache.member_entry(key.split(":", 2)[2])
    stored = b"".join(p for p in parts if isinstance(p, bytes)) + b"".join(
        c for _, _, vs in found for v in vs for c in v if c)
    assert b"secretreader" not in stored
    assert {name for name, _, _ in found} == {"comment", "comment-form"}


def test_a_new_comment_shows_at_once_for_its_author_and_on_expiry_for_others(shared, monkeypatch):
    paper = make_paper()
    author, other = make_verified_user(username="author"), make_verified_user(username="other")
    a, o = _client(author), _client(other)
    o.get("/thread")
    token = TOKEN.findall(a.get("/thread").content.decode())[0]
    a.post(f"/papers/{paper.arxiv_id}/comments", {"csrfmiddlewaretoken": token, "body": "Fresh words."})
    assert "Fresh words." in a.get("/thread").content.decode()  # the success message: a full render
    assert "Fresh words." not in o.get("/thread").content.decode()
    now = pagecache.clock()
    monkeypatch.setattr(pagecache, "clock", lambda: now + 31)
    assert "Fresh words." in o.get("/thread").content.decode()


def test_staff_get_a_full_render(shared):
    make_comment(paper=make_paper())
    _client(make_verified_user(username="boss", is_staff=True)).get("/thread")
    assert shared[0] == 0


def test_the_paper_page_is_shared_by_signed_in_readers(paper_page_shared, monkeypatch):
    shareable = []
    real = pagecache._render_shared
    monkeypatch.setattr(pagecache, "_render_shared", lambda *a, **k: shareable.append(real(*a, **k)) or shareable[-1])
    paper = make_paper()
    alice, bob = make_verified_user(username="alice"), make_verified_user(username="bob")
    make_comment(paper=paper, user=bob)
    a = _client(alice).get(paper.get_absolute_url()).content.decode()
    b = _client(bob).get(paper.get_absolute_url()).content.decode()
    assert len(shareable) == 1 and shareable[0] is not None
    assert "alice" in a and 'class="comment-form"' in a and "pf-slot" not in a + b


def test_collections_and_notes_are_each_readers_own_on_the_shared_paper_page(paper_page_shared):
    paper, other = make_paper(), make_paper()
    alice, bob = make_verified_user(username="alice"), make_verified_user(username="bob")
    make_collection(owner=alice, name="Shelf<b>ee</b>", papers=[other])
    Note.objects.create(user=alice, paper=paper, text="my quiet <note>")
    ReadMark.objects.create(user=alice, paper=paper)
    a = _client(alice).get(paper.get_absolute_url()).content.decode()
    b = _client(bob).get(paper.get_absolute_url()).content.decode()
    assert "Shelf&lt;b&gt;ee&lt;/b&gt;" in a and "Shelf" not in b
    assert "my quiet &lt;note&gt;</textarea>" in a and "quiet" not in b
    assert 'class="button-small pf-read" aria-pressed="true"' in a and 'pf-read" aria-pressed="true"' not in b
    assert "pf-csrf" not in a + b and len(set(TOKEN.findall(a))) == 1  # the collect form carries alice's token too
    key = next(k for k in caches["pages"]._cache if "pf:member" in k)
    (parts, found, _), _ = pagecache.member_entry(key.split(":", 2)[2])
    stored = b"".join(p for p in parts if isinstance(p, bytes)) + b"".join(
        c for _, _, vs in found for v in vs for c in v if c)
    assert b"Shelf" not in stored and b"quiet" not in stored and b"alice" not in stored


def test_a_providers_html_gets_the_readers_token_where_it_says_so():
    slots.register("test:form", lambda user, args: {a: f'<input value="{slots.CSRF_TOKEN}">' for a in args})
    found = [("test:form", "1", ())]
    assert slots.fill([b"<p>", 0, b"</p>"], found, None, b"MARK") == b'<p><input value="MARK"></p>'


def test_the_shared_paper_page_is_what_a_full_render_shows(paper_page_shared, settings):
    paper, other = make_paper(), make_paper()
    alice, bob = make_verified_user(username="alice"), make_verified_user(username="bob")
    make_collection(owner=alice, name="Shelf", papers=[other])
    Note.objects.create(user=alice, paper=paper, text="a note")
    top = make_comment(paper=paper, user=bob)
    make_comment(paper=paper, user=alice, parent=top)
    reader = _client(alice)
    shared_page = reader.get(paper.get_absolute_url()).content.decode()
    settings.PAGE_CACHE_SECONDS = 0
    assert _no_tokens(shared_page) == _no_tokens(reader.get(paper.get_absolute_url()).content.decode())
