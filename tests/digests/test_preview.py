"""Trying the digest: a preview on the preferences page, a reason when it would be empty, and an
empty period that a later run still fills."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from paperfeed.digests import services
from paperfeed.digests.emails import links
from paperfeed.digests.models import Delivery
from tests.digests.helpers import make_trending_paper
from tests.factories import make_subscriber, make_user

pytestmark = pytest.mark.django_db
FRI = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)


def test_an_empty_digest_does_not_lock_the_period(smtp):
    make_subscriber(email="early@example.org")
    assert services.send_due(now=FRI).empty == 1
    make_trending_paper(title="A paper that trends later", upvotes=40)
    stats = services.send_due(now=FRI + dt.timedelta(hours=2))
    assert (stats.enqueued, stats.sent) == (1, 1)
    assert Delivery.objects.get().status == "sent"
    [mail] = smtp.to("early@example.org")
    assert "A paper that trends later" in mail["Subject"]
    assert services.send_due(now=FRI + dt.timedelta(hours=3)).sent == 0  # a sent digest does lock it


def test_preview_shows_the_papers_and_stores_nothing():
    make_trending_paper(title="Graph networks for proteins", upvotes=50)
    sub = make_subscriber(email="ada@example.org")
    result = services.preview(sub, now=FRI)
    assert [i["title"] for i in result.items] == ["Graph networks for proteins"]
    assert result.items[0]["url"].startswith("/papers/")  # a web page's relative link
    assert (result.period, result.empty_reason) == ("daily:2026-11-27", "")
    assert not Delivery.objects.exists()


def test_preview_says_why_it_would_be_empty():
    sub = make_subscriber(email="ada@example.org", include_categories=["math.AG"])
    assert services.preview(sub, now=FRI).empty_reason.startswith("No paper trended in the last day or week")
    make_trending_paper(title="A learning paper", upvotes=50, categories=["cs.LG"], primary_category="cs.LG")
    reason = services.preview(sub, now=FRI).empty_reason
    assert reason.startswith("None of the 1 trending papers is in your categories (math.AG)")


def test_preferences_page_links_to_the_preview_with_relative_links(settings):
    make_trending_paper(title="Graph networks for proteins", upvotes=50)
    sub = make_subscriber(email="ada@example.org")
    page = Client().get(links(sub, base="")["preferences_url"]).content.decode()
    preview_url = re.search(r'href="([^"]*)">Preview my digest', page).group(1)
    assert preview_url.startswith("/digests/preview/")
    assert settings.SITE_URL not in page  # web pages link relatively
    shown = Client().get(preview_url).content.decode()
    assert "Graph networks for proteins" in shown and "Nothing is sent from this page" in shown


def test_account_preview_for_a_logged_in_subscriber():
    user = make_user(email="ada@example.org")
    make_subscriber(email="ada@example.org", user=user, include_categories=["math.AG"])
    client = Client()
    client.force_login(user)
    page = client.get("/digests/preview/").content.decode()
    assert "This digest would be empty." in page


def test_the_demo_digest_has_papers():
    from paperfeed.catalog.ingest_files import DEMO_DATA, ingest_paths

    assert not ingest_paths([DEMO_DATA], parallel=False).failed
    sub = make_subscriber(email="demo@example.org")
    result = services.preview(sub)  # the real "now": months after the demo's votes
    assert len(result.items) >= 5 and result.empty_reason == ""
