"""Trending service and page: real votes in the real database, explicit ``now`` where it matters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from paperfeed.community import moderation, services
from tests.factories import make_paper, make_user, make_vote

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


def _votes(paper, *hours_ago, now=NOW):
    for h in hours_ago:
        make_vote(user=make_user(), paper=paper, at=now - dt.timedelta(hours=h))


def test_trending_papers_ranks_by_decayed_votes_with_reasons():
    fresh, old, lone = make_paper(), make_paper(), make_paper()
    _votes(fresh, 1, 2, 3)
    _votes(old, 100, 101, 102, 103)
    _votes(lone, 0)
    rows = services.trending_papers(window="week", now=NOW)
    assert [p.pk for p, _, _ in rows] == [fresh.pk, old.pk]
    assert rows[0][2] == "3 votes in the last 7 days"
    assert rows[0][1] > rows[1][1]
    assert services.trending_papers(window="day", now=NOW)[0][0] == fresh
    assert services.trending_papers(window="week", now=NOW, limit=1, offset=1)[0][0] == old


def test_banned_and_hidden_never_count():
    a, b = make_paper(), make_paper()
    _votes(a, 1, 2)
    ring = [make_user() for _ in range(5)]
    for u in ring:
        make_vote(user=u, paper=b, at=NOW - dt.timedelta(hours=1))
    assert services.trending_papers(now=NOW)[0][0] == b
    moderation.set_banned(ring, banned=True, moderator=None)
    assert [p for p, _, _ in services.trending_papers(now=NOW)] == [a]
    moderation.set_hidden([a], hidden=True, moderator=None)
    assert services.trending_papers(now=NOW) == []


def test_imported_upvotes_feed_trending():
    listed = make_paper(imported_upvotes=30, listing_date=NOW.date())
    rows = services.trending_papers(window="day", now=NOW)
    assert rows[0][0] == listed and "30 imported upvotes" in rows[0][2]


def test_new_vote_shows_within_seconds_despite_the_cache(client):
    a, b = make_paper(), make_paper()
    now = timezone.now()
    _votes(a, 1, 2, 3, now=now)
    _votes(b, 1, 2, now=now)
    assert [p for p, _, _ in services.trending_papers()] == [a, b]
    voter = make_user()
    client.force_login(voter)
    for u in [voter, make_user()]:
        services.toggle_vote(user=u, paper=b)
    assert [p for p, _, _ in services.trending_papers()] == [b, a]


def test_stale_catalogue_counts_imported_upvotes_as_today_and_local_votes_still_move_papers():
    old_day = timezone.now().date() - dt.timedelta(days=120)
    big = make_paper(imported_upvotes=12, listing_date=old_day)
    small = make_paper(imported_upvotes=3, listing_date=old_day)
    older = make_paper(imported_upvotes=50, listing_date=old_day - dt.timedelta(days=10))
    result = services.compute_trending(window="week")
    assert result.stale_since == old_day
    assert [pid for pid, _, _ in result.entries] == [big.pk, small.pk]  # the older day is outside the week
    assert "12 imported upvotes (listed" in result.entries[0][2]
    for _ in range(12):
        services.toggle_vote(user=make_user(), paper=small)
    assert [p for p, _, _ in services.trending_papers(window="week")] == [small, big]
    assert services.trending_papers(window="week")[0][2].startswith("12 votes in the last 7 days")
    # An explicit `now` is never shifted.
    assert services.compute_trending(window="week", now=timezone.now()).stale_since is None
    month = services.compute_trending(window="month").entries
    assert older.pk in [pid for pid, _, _ in month]  # ten days before the latest day: inside a month


def test_current_catalogue_is_not_shifted():
    make_paper(imported_upvotes=5, listing_date=timezone.now().date())
    result = services.compute_trending(window="day")
    assert result.stale_since is None and result.imported_shift == dt.timedelta(0)


def test_trending_page_tabs_reasons_sparklines_and_feeds(client):
    now = timezone.now()
    paper = make_paper(title="Attention <img src=x onerror=alert(1)>", listing_date=now.date())
    _votes(paper, 1, 2, 30, now=now)
    html = client.get("/trending?window=week").content.decode()
    assert "3 votes in the last 7 days, 2 in the last 24 h" in html
    assert 'aria-current="page"' in html and "?window=day" in html and "?window=month" in html
    assert '<polyline fill="none"' in html
    assert 'rel="alternate" type="application/rss+xml"' in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    day = client.get("/trending?window=day").content.decode()
    assert "2 votes in the last 24 h" in day
    assert client.get("/trending?window=bogus&p=x").status_code == 200


def test_score_trends_rise_to_the_current_score():
    paper = make_paper()
    _votes(paper, 1, 30, 60)
    trend = services.score_trends([paper.pk], window="week", as_of=NOW, points=28)[paper.pk]
    assert len(trend) == 28 and trend[-1] > 0
