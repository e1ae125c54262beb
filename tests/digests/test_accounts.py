"""Account holders: preferences from the profile, 'use my votes and collections', the footer form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, RequestContext, Template
from django.test import Client, RequestFactory

from paperfeed.digests import services
from paperfeed.digests.models import Delivery, Subscriber
from paperfeed.digests.tokens import make_token
from tests.digests.helpers import make_trending_paper
from tests.factories import make_collection, make_subscriber, make_user, make_vote

pytestmark = pytest.mark.django_db
FRI = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)


def user(email: str = "reader@example.org"):
    return make_user(username=email.split("@")[0], email=email)


def test_account_page_offers_subscription_then_shows_preferences(smtp):
    u = user()
    client = Client()
    assert client.get("/digests/preferences/").status_code == 302  # login required
    client.force_login(u)
    assert "Subscribe reader@example.org" in client.get("/digests/preferences/").content.decode()
    client.post("/digests/preferences/")
    assert len(smtp.to("reader@example.org")) == 1
    sub = Subscriber.objects.get()
    assert sub.user == u and sub.status == "pending"
    services.confirm(sub)
    page = client.get("/digests/preferences/").content.decode()
    assert "use_my_votes" in page  # offered to account holders only
    form = {"frequency": "weekly", "weekday": "2", "size": "7", "topics": "graph learning", "use_my_votes": "on"}
    assert client.post("/digests/preferences/", form).status_code == 200
    sub.refresh_from_db()
    assert (sub.frequency, sub.weekday, sub.size, sub.topics, sub.use_my_votes) == ("weekly", 2, 7, ["graph learning"], True)


def test_preferences_form_rejects_bad_values():
    sub = make_subscriber()
    client = Client()
    url = f"/digests/preferences/{make_token('manage', sub)}"
    assert "use_my_votes" not in client.get(url).content.decode()  # no account: no votes option
    resp = client.post(url, {"frequency": "daily", "size": "500", "include_categories": "cs.LG; DROP TABLE"})
    assert resp.status_code == 400
    body = resp.content.decode()
    assert "Not an arXiv category" in body and "less than or equal to 50" in body
    assert client.get("/digests/preferences/forged-token").status_code == 404


def test_votes_and_collections_personalise_the_digest(smtp):
    u = user("voter@example.org")
    graph = [make_trending_paper(title=f"Graph neural networks for molecules {i}",
                                 abstract="graph neural network molecules chemistry", upvotes=2) for i in range(3)]
    others = [make_trending_paper(title=f"Large language model reasoning {i}", abstract="language model reasoning benchmarks",
                                  upvotes=50 - i) for i in range(8)]
    make_vote(user=u, paper=graph[0])
    make_collection(owner=u, name="chemistry", papers=[graph[1]])
    make_subscriber(email="voter@example.org", user=u, use_my_votes=True, size=5)
    make_subscriber(email="plain@example.org", size=5)
    services.send_due(now=FRI)
    mine = Delivery.objects.get(subscriber__email="voter@example.org")
    plain = Delivery.objects.get(subscriber__email="plain@example.org")
    assert set(mine.paper_ids[:3]) == {p.pk for p in graph}
    assert mine.reasons[0].startswith("close to Graph neural networks for molecules")  # the page's reason
    assert plain.paper_ids == [p.pk for p in others[:5]]


def test_footer_form_renders_with_csrf_token():
    request = RequestFactory().get("/")
    html = Template("{% load digest_tags %}{% subscribe_form %}").render(RequestContext(request, {}))
    assert 'action="/subscribe"' in html and "csrfmiddlewaretoken" in html and 'type="email"' in html
    assert "<form" in Template("{% load digest_tags %}{% subscribe_form %}").render(Context({}))


def test_subscribe_page_and_view_link_errors():
    client = Client()
    page = client.get("/subscribe")
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    assert client.post("/subscribe", {"email": "not an address"}).status_code == 400
    assert client.get("/digests/view/forged").status_code == 404
    assert client.get("/digests/unsubscribe/forged").status_code == 404


def test_a_signed_in_user_cannot_attach_someone_elses_address(smtp):
    u = user("mallory@example.org")
    client = Client()
    client.force_login(u)
    client.post("/subscribe", {"email": "victim@example.org"})
    sub = Subscriber.objects.get(email="victim@example.org")
    services.confirm(sub)  # even once the victim confirms…
    assert sub.user is None
    assert "no digest subscription" in client.get("/digests/preferences/").content.decode()  # …mallory sees nothing
