"""Item 11: a header link to collections; "new collection…" keeps the paper; no "Add to X" once it is in X;
the collection's RSS dates an item by when it was added."""

from __future__ import annotations

import datetime as dt

import feedparser
import httpx
import pytest

from paperfeed.community.models import Collection
from tests.factories import make_collection, make_paper, make_user
from tests.browser import PASSWORD
from tests.firstday.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_collections_from_the_paper_page(live_server, page):
    ada = make_user(username="ada", password=PASSWORD)
    old = make_paper(title="An old paper", listing_date=dt.date(2020, 1, 1))
    make_collection(owner=ada, name="Reading list", public=True)
    log_in(page, live_server.url, "ada")

    page.get_by_role("link", name="Collections").click()
    page.wait_for_url(f"{live_server.url}/collections/")

    page.goto(f"{live_server.url}{old.get_absolute_url()}")
    page.get_by_role("link", name="new collection…").click()
    assert "starts with “An old paper”" in page.inner_text("main")
    page.fill("input[name=name]", "Classics")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(f"{live_server.url}{old.get_absolute_url()}")
    classics = Collection.objects.get(name="Classics")
    assert list(classics.papers.all()) == [old]

    # Add it to the other one too; after that, no collection is left to offer.
    page.select_option("form.pf-collect select", label="Reading list")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_load_state()
    actions = page.inner_text(".pf-actions")
    assert "Add to" not in actions and "In Classics, Reading list" in actions

    rss = httpx.get(f"{live_server.url}/feeds/collections/{Collection.objects.get(name='Reading list').pk}.rss").text
    (entry,) = feedparser.parse(rss).entries
    assert entry.published_parsed.tm_year == dt.date.today().year  # added today, listed in 2020
