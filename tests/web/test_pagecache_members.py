"""Signed-in readers share one cached page; their own parts (votes, bell, name) are slots filled per request."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.template import RequestContext, Template
from django.test import Client
from django.urls import get_resolver, include, path
from django.utils import timezone

from paperfeed import conf
from paperfeed.catalog.models import Paper
from paperfeed.community.models import Vote
from paperfeed.notifications.models import Kind, Notification
from paperfeed.web import pagecache, slots
from tests.factories import make_comment, make_paper, make_user, make_verified_user, make_vote
# fast_app: test_pagecache's fixture, here over this module's page_cache and test_urls.
from tests.web.test_pagecache import _call, _environ, _view_names, fast_app  # noqa: F401

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PAGE = Template(
    "{% load community_tags notifications_tags web_tags %}<p>{% reader_name %}</p><ul>{% notification_bell %}</ul>"
    "{% for p in papers %}{% vote_button p %}{% endfor %}<form method=post>{% csrf_token %}</form>"
    "{% for m in messages %}<p>{{ m }}</p>{% endfor %}"
)


def shared_page(request):
    return HttpResponse(PAGE.render(RequestContext(request, {"papers": Paper.objects.order_by("pk")})))


def tainted_page(request):
    # A per-reader query that is not a slot: the page must not be shared.
    mine = Vote.objects.filter(user=request.user).count()
    return HttpResponse(f"<p>{mine} votes</p>" + PAGE.render(RequestContext(request, {"papers": []})))


urlpatterns = [
    path("shared", shared_page, name="shared"),
    path("tainted", tainted_page, name="tainted"),
    path("", include("paperfeed.urls")),
]


@pytest.fixture
def test_urls(settings):
    """This module's pages: "shared" and "tainted" are cached for anonymous and signed-in readers."""
    settings.ROOT_URLCONF = "tests.web.test_pagecache_members"
    settings.PAGE_CACHE_VIEWS = settings.PAGE_CACHE_MEMBER_VIEWS = ["shared", "tainted"]


@pytest.fixture
def page_cache(settings):
    """The page cache on, for 30 seconds, empty at the start and the end."""
    settings.PAGE_CACHE_SECONDS = 30
    cache.clear()
    caches["pages"].clear()
    yield
    cache.clear()
    caches["pages"].clear()


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    """Counts the shared renders (one per page and cache interval)."""
    count = [0]
    real = pagecache._render_shared

    def counting(*args, **kwargs):
        count[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(pagecache, "_render_shared", counting)
    return count


def _reader(name: str) -> Client:
    client = Client()
    client.force_login(make_user(username=name))
    return client


def _vote_state(html: str, paper) -> str:
    form = re.search(rf'<form class="pf-vote[^"]*" method="post" action="[^"]*/{paper.arxiv_id}/[^"]*">.*?</form>',
                     html)
    return re.search(r'aria-pressed="(\w+)"', form[0])[1]


def test_signed_in_readers_share_one_render_with_their_own_votes_and_names(page_cache, test_urls, renders):
    voted, other = make_paper(title="Voted paper"), make_paper(title="Other paper")
    alice, bob = _reader("alice"), _reader("bob")
    make_vote(user=_user("alice"), paper=voted)
    a, b = alice.get("/shared").content.decode(), bob.get("/shared").content.decode()
    assert renders[0] == 1
    assert (_vote_state(a, voted), _vote_state(a, other)) == ("true", "false")
    assert (_vote_state(b, voted), _vote_state(b, other)) == ("false", "false")
    assert "<p>alice</p>" in a and "bob" not in a
    assert "<p>bob</p>" in b and "alice" not in b
    assert "pf-slot" not in a + b


def _user(name: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=name)


def test_a_vote_shows_at_once_on_the_shared_page(page_cache, test_urls):
    paper = make_paper(title="Fresh vote")
    reader = _reader("voter")
    assert _vote_state(reader.get("/shared").content.decode(), paper) == "false"
    page = reader.get("/shared").content.decode()
    token = TOKEN.search(page)[1]
    reader.post(f"/papers/{paper.arxiv_id}/vote", {"csrfmiddlewaretoken": token, "next": "/shared"})
    assert _vote_state(reader.get("/shared").content.decode(), paper) == "true"


def test_the_bell_counts_each_readers_own_notifications(page_cache, test_urls):
    paper = make_paper()
    author, replier = make_verified_user(username="author"), make_verified_user(username="replier")
    reply = make_comment(paper=paper, user=replier, parent=make_comment(paper=paper, user=author))
    Notification.objects.create(user=author, kind=Kind.REPLY, comment=reply, paper=paper)
    a, r = Client(), Client()
    a.force_login(author)
    r.force_login(replier)
    bell = re.compile(r'class="bell"[^>]*data-unread="(\d+)"')
    assert bell.search(a.get("/shared").content.decode())[1] == "1"
    assert bell.search(r.get("/shared").content.decode())[1] == "0"


def test_no_readers_data_is_in_the_shared_bytes(page_cache, test_urls):
    paper = make_paper()
    reader = _reader("secretname")
    make_vote(user=_user("secretname"), paper=paper)
    reader.get("/shared")
    key = pagecache.member_key({"PATH_INFO": "/shared", "QUERY_STRING": ""})
    (parts, found, _), _ = pagecache.member_entry(key)
    stored = b"".join(p for p in parts if isinstance(p, bytes)) + b"".join(
        c for _, _, vs in found for v in vs for c in v if c)
    assert b"secretname" not in stored
    assert b'aria-pressed="true"' in stored  # only as the "voted" variant of a slot
    assert {name for name, _, _ in found} == {"username", "bell", "vote"}


def test_each_signed_in_reader_gets_their_own_csrf_token(page_cache, test_urls):
    make_paper()
    alice, bob = _reader("alice"), _reader("bob")
    pages = alice.get("/shared").content.decode() + bob.get("/shared").content.decode()
    tokens = set(TOKEN.findall(pages))
    assert len(tokens) >= 2
    assert alice.cookies["csrftoken"].value != bob.cookies["csrftoken"].value


def test_staff_and_pending_messages_get_a_full_render(page_cache, test_urls, renders):
    make_paper()
    staff = Client()
    staff.force_login(make_user(username="boss", is_staff=True))
    staff.get("/shared")
    assert renders[0] == 0
    reader = _reader("told")
    reader.cookies["messages"] = "anything"
    reader.get("/shared")
    assert renders[0] == 0


def test_messages_of_the_session_never_enter_the_shared_page(page_cache, test_urls, settings):
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    make_paper()
    reader = _reader("told")
    session = reader.session
    session["_messages"] = '[["__json_message",0,25,"Only for you"]]'
    session.save()
    assert b"Only for you" not in reader.get("/shared").content
    assert b"Only for you" not in _reader("other").get("/shared").content


def test_a_slot_without_provider_means_a_full_render(page_cache, test_urls, renders, monkeypatch):
    make_paper()
    monkeypatch.delitem(slots._PROVIDERS, "bell")
    page = _reader("nobell").get("/shared").content.decode()
    assert renders[0] == 1 and "pf-slot" not in page and "<p>nobell</p>" in page


def test_cache_off_means_full_renders(client, renders, test_urls):
    make_paper()
    _reader("plain").get("/shared")
    assert renders[0] == 0


def test_default_member_views_are_cached_views_of_the_site():
    default = set(conf.BY_NAME["PAGE_CACHE_MEMBER_VIEWS"].default)
    assert default <= set(conf.BY_NAME["PAGE_CACHE_VIEWS"].default)
    assert default <= set(_view_names(get_resolver()))


def test_slot_markers_cannot_be_forged_by_data():
    nonce = "00ff00ff00ff00ff"
    parts = slots.split(b"a<!--pf-slot:deadbeefdeadbeef:0-->b<!--pf-slot:00ff00ff00ff00ff:0-->c", nonce)
    assert parts == [b"a<!--pf-slot:deadbeefdeadbeef:0-->b", 0, b"c"]


def test_a_page_that_queries_the_reader_is_not_shared(page_cache, test_urls):
    paper = make_paper()
    make_vote(user=make_user(username="counted"), paper=paper)
    counted = Client()
    counted.force_login(_user("counted"))
    assert b"<p>1 votes</p>" in counted.get("/tainted").content
    assert b"<p>0 votes</p>" in _reader("fresh").get("/tainted").content
    assert b"<p>1 votes</p>" in counted.get("/tainted").content


def test_the_daily_page_signed_in_is_what_a_full_render_shows(page_cache, settings):
    """Shared or not (it is shared once every per-reader tag on it is slot-aware), the reader sees their own page."""
    voted = make_paper(title="Voted paper")
    make_paper(title="Other paper")
    reader = _reader("daily")
    make_vote(user=_user("daily"), paper=voted)
    shared = reader.get("/").content.decode()
    settings.PAGE_CACHE_SECONDS = 0
    full = reader.get("/").content.decode()
    assert TOKEN.sub("", shared) == TOKEN.sub("", full)


def test_anything_personal_asked_of_the_stand_in_means_a_full_render():
    for ask in (lambda u: u.pk, lambda u: u.email, lambda u: u.get_username(), lambda u: u.has_perm("x")):
        user = slots.stand_in_user()
        ask(user)
        assert slots.asked_about(user)
    user = slots.stand_in_user()
    assert user.is_authenticated and not user.is_staff and not user.is_superuser
    assert not slots.asked_about(user)


def test_the_plain_sql_helpers_agree_with_the_orm():
    reader, other = make_user(), make_user()
    papers = [make_paper() for _ in range(4)]
    for paper in papers[:2]:
        make_vote(user=reader, paper=paper)
    make_vote(user=other, paper=papers[2])
    ids = {p.pk for p in papers[1:]}
    assert slots.ids_among(Vote, user_id=reader.pk, ids=ids) == {papers[1].pk}
    assert slots.ids_among(Vote, user_id=reader.pk, ids=set()) == set()
    assert slots.count_of(Vote, user_id=reader.pk) == 2
    assert slots.slot_ids(["3", "x", "12"]) == {3, 12}


def test_batched_selects_run_as_one_statement_with_each_ones_rows(django_assert_num_queries):
    reader = make_user()
    papers = [make_paper() for _ in range(3)]
    make_vote(user=reader, paper=papers[0])
    selects = [slots.ids_select(Vote, user_id=reader.pk, ids={p.pk for p in papers}),
               slots.count_select(Vote, user_id=reader.pk),
               slots.ids_select(Vote, user_id=reader.pk, ids=set()),
               slots.flag_select(get_user_model(), user_id=reader.pk, user_field="id", flag="is_active")]
    with django_assert_num_queries(1):
        rows = slots.run(selects)
    assert rows == [[(papers[0].pk, 0)], [(1, 0)], [], [(1, 0)]]
    assert [slots.run([select]) for select in selects] == [[r] for r in rows]


def test_the_fast_path_asks_the_database_twice_per_signed_in_page(fast_app, django_assert_num_queries):
    app, django_app = fast_app
    papers = [make_paper() for _ in range(3)]
    cookie = _session_cookie(make_user())
    for _ in range(2):  # cached by Django, then the fast path remembers the session
        _call(app, _environ("/shared", cookie=cookie))
    with django_assert_num_queries(2):  # the session with its user, then every slot's data
        status, _, _, body = _call(app, _environ("/shared", cookie=cookie))
    assert status.startswith("200") and django_app.calls == 1 and body.count(b"pf-vote") >= len(papers)


def test_the_shared_render_sees_neither_the_readers_session_nor_their_user(page_cache, test_urls, monkeypatch):
    seen = []
    real = pagecache._render_detached

    def spy(view, request, *args, **kwargs):
        seen.append((dict(request.session.items()), request.user.is_authenticated))
        return real(view, request, *args, **kwargs)

    monkeypatch.setattr(pagecache, "_render_detached", spy)
    reader = _reader("private")
    session = reader.session
    session["note"] = "secret"
    session.save()
    assert b"<p>private</p>" in reader.get("/shared").content
    assert seen == [({}, True)]


# --- the WSGI fast path for signed-in readers ---------------------------------------------------


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_fast_path_serves_signed_in_readers_their_own_slots(fast_app):
    app, django_app = fast_app
    voted = make_paper()
    alice, bob = make_user(username="alice"), make_user(username="bob")
    make_vote(user=alice, paper=voted)
    status, first, _, body = _call(app, _environ("/shared", cookie=_session_cookie(alice)))
    assert status.startswith("200") and django_app.calls == 1 and "X-Paperfeed-Page-Key" not in first
    status, headers, raw, body = _call(app, _environ("/shared", cookie=_session_cookie(bob)))
    assert status.startswith("200") and django_app.calls == 1  # answered without Django
    page = body.decode()
    assert "<p>bob</p>" in page and "alice" not in page and _vote_state(page, voted) == "false"
    assert "pf-slot" not in page and "pf-csrf" not in page and TOKEN.search(page)
    assert headers["Vary"] == first["Vary"] and int(headers["Content-Length"]) == len(body)
    assert next(v for n, v in raw if n == "Set-Cookie").startswith("csrftoken=")
    _, _, _, body = _call(app, _environ("/shared", cookie=_session_cookie(alice)))
    assert "<p>alice</p>" in body.decode() and _vote_state(body.decode(), voted) == "true"
    assert django_app.calls == 1


@pytest.mark.parametrize("case", ["staff", "unknown session", "password changed", "messages", "inactive"])
def test_fast_path_leaves_the_doubtful_to_django(fast_app, case):
    app, django_app = fast_app
    make_paper()
    _call(app, _environ("/shared", cookie=_session_cookie(make_user())))  # cache the page, learn its headers
    user = make_user(is_staff=case == "staff")
    cookie = _session_cookie(user)
    if case == "unknown session":
        cookie = "sessionid=abcdefghijklmnopqrstuvwxyz012345"
    elif case == "password changed":
        user.set_password("another one")
        user.save()
    elif case == "messages":
        cookie += "; messages=x"
    elif case == "inactive":
        type(user).objects.filter(pk=user.pk).update(is_active=False)
    calls = django_app.calls
    _call(app, _environ("/shared", cookie=cookie))
    assert django_app.calls == calls + 1


def test_the_trending_page_is_shared_by_signed_in_readers(page_cache, settings, renders):
    today = timezone.now().date()
    voted, other = make_paper(title="Voted paper", listing_date=today), make_paper(title="Other", listing_date=today)
    for paper in (voted, other, other):  # trending lists papers with a few votes
        make_vote(user=make_user(), paper=paper)
    reader = _reader("trend")
    make_vote(user=_user("trend"), paper=voted)
    shared = reader.get("/trending?window=week").content.decode()
    assert renders[0] == 1
    key = pagecache.member_key({"PATH_INFO": "/trending", "QUERY_STRING": "window=week"})
    assert pagecache.member_entry(key)[0] is not None  # shared, not rendered in full per reader
    assert _vote_state(shared, voted) == "true" and _vote_state(shared, other) == "false"
    settings.PAGE_CACHE_SECONDS = 0
    full = reader.get("/trending?window=week").content.decode()
    assert TOKEN.sub("", shared) == TOKEN.sub("", full)
