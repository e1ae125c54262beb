"""RSS and Atom feeds: daily, trending, search, public collections; all parse without bozo."""

from __future__ import annotations

import datetime as dt

import feedparser
import pytest
from django.utils import timezone

from paperfeed.community import collections as coll
from tests.factories import make_paper, make_user, make_vote

pytestmark = pytest.mark.django_db
EVIL = 'Evil <img src=x onerror="alert(1)"> & <script>alert(2)</script>'


def _parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    return response, feed


@pytest.mark.parametrize("suffix", ["rss", "atom"])
def test_daily_feed_lists_the_latest_day(client, suffix):
    make_paper(listing_date=dt.date(2026, 6, 14), title="Yesterday's")
    today = make_paper(listing_date=dt.date(2026, 6, 15), title="Today's paper")
    _, feed = _parse(client, f"/feeds/daily.{suffix}")
    assert [e.title for e in feed.entries] == ["Today's paper"]
    assert feed.entries[0].link.endswith(today.get_absolute_url())


@pytest.mark.parametrize("suffix", ["rss", "atom"])
def test_trending_feed_carries_reasons(client, suffix):
    paper = make_paper(listing_date=timezone.now().date())
    for _ in range(3):
        make_vote(user=make_user(), paper=paper)
    _, feed = _parse(client, f"/feeds/trending.{suffix}?window=day")
    assert feed.entries[0].title == paper.title
    assert "3 votes in the last 24 h" in feed.entries[0].summary


def test_search_feed_needs_a_query_and_finds_titles(client):
    make_paper(title="Sparse mixture of experts", listing_date=dt.date(2026, 6, 15))
    assert client.get("/feeds/search.rss").status_code == 404
    _, feed = _parse(client, "/feeds/search.rss?q=experts")
    assert "experts" in feed.feed.title
    _parse(client, "/feeds/search.atom?q=experts")


def test_collection_feed_public_only(client):
    owner = make_user()
    public = coll.create_collection(owner=owner, name="Open & shut", public=True)
    coll.add_paper(public, make_paper(title="In the list"))
    _, feed = _parse(client, f"/feeds/collections/{public.pk}.rss")
    assert feed.feed.title.endswith("Open & shut")
    assert [e.title for e in feed.entries] == ["In the list"]
    public.public = False
    public.save()
    assert client.get(f"/feeds/collections/{public.pk}.rss").status_code == 404


@pytest.mark.parametrize("url", ["/feeds/daily.rss", "/feeds/daily.atom", "/feeds/trending.rss?window=day",
                                 "/feeds/search.rss?q=Evil"])
def test_markup_in_titles_and_abstracts_reaches_feeds_as_text(client, url):
    paper = make_paper(title=EVIL, abstract=f"Abstract with {EVIL}", listing_date=timezone.now().date())
    for _ in range(2):
        make_vote(user=make_user(), paper=paper)
    response, feed = _parse(client, url)
    raw = response.content.decode()
    assert "<img" not in raw and "<script" not in raw
    assert feed.entries[0].title == EVIL or "&lt;img" in feed.entries[0].title
    # The description is HTML: the abstract inside it is escaped so readers show it as text.
    assert "&lt;img" in feed.entries[0].summary or "&amp;lt;img" in raw
