"""One real-browser flow in Debian's chromium for the For-you feed: pick two categories → a feed;
upvote → the feed changes and says why; not interested in an author → their papers go; a saved
search's new match appears after an ingest; the private feed URL parses as RSS; revoked → 404."""

from __future__ import annotations

import datetime as dt

import feedparser
import pytest

from tests.browser import PASSWORD, needs_chromium


pytestmark = [
    pytest.mark.browser,
    needs_chromium,
]


def titles(page) -> list[str]:
    return page.locator("ol.papers .paper-title").all_inner_texts()


@pytest.mark.django_db(transaction=True)
def test_for_you_flow(live_server, page, settings):
    from django.core.cache import cache
    from django.utils import timezone

    from paperfeed.catalog.ingest import upsert_records
    from paperfeed.catalog.records import PaperRecord
    from paperfeed.catalog.signals import announce_ingested
    from tests.factories import make_paper, make_user

    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PERSONAL_POOL_SECONDS = 3600  # the ingest signal, not time, must refresh the pool
    make_user(username="reader", password=PASSWORD)
    day = timezone.now().date() - dt.timedelta(days=1)
    paper = lambda title, abstract, cats, authors, votes=0: make_paper(  # noqa: E731
        title=title, abstract=abstract, categories=cats, authors=authors, listing_date=day, imported_upvotes=votes)
    paper("Instruction tuning for language models", "Tuning language models on instructions.", ["cs.CL"], ["Ada Lovelace"], 9)
    paper("Sparse attention kernels for long-context language models", "Sparse attention kernels make long context fast.",
          ["cs.CL"], ["Alan Turing"])
    paper("Efficient sparse attention on GPUs", "Sparse attention kernels on GPUs.", ["cs.CL", "cs.LG"], ["Edsger Dijkstra"])
    paper("Robot grasping from pixels", "A robot arm grasps objects.", ["cs.RO"], ["Grace Hopper"], 8)
    paper("Legged robots that climb stairs", "Locomotion for legged robots.", ["cs.RO"], ["Grace Hopper"], 7)
    paper("Video diffusion transformers", "Diffusion for video.", ["cs.CV"], ["Barbara Liskov"], 20)
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "reader")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.pf-form button[type=submit]")
    page.wait_for_url(f"{base}/")

    # A new reader picks two categories and sees a feed at once.
    page.click("a:has-text('For you')")
    page.wait_for_url(f"{base}/for-you/interests")
    page.check("input[name=categories][value='cs.CL']")
    page.check("input[name=categories][value='cs.RO']")
    page.click("form.pf-interests button[type=submit]")
    page.wait_for_url(f"{base}/for-you")
    feed = titles(page)
    assert "Video diffusion transformers" not in feed[:5] and len(feed) == 6
    assert page.locator(".pf-reason:has-text('which you chose')").count() >= 5
    before = feed.index("Efficient sparse attention on GPUs")

    # Upvoting a paper changes the feed, and the reason appears.
    page.locator("li.paper:has-text('Sparse attention kernels for long-context') form.pf-vote button").click()
    page.wait_for_selector("li.paper:has-text('Sparse attention kernels for long-context') form.pf-vote button[aria-pressed=true]")
    page.reload()
    assert titles(page).index("Efficient sparse attention on GPUs") < before
    reason = page.locator("li.paper:has-text('Efficient sparse attention on GPUs') .pf-reason").first.inner_text()
    assert "close to Sparse attention kernels for long-context language models, which you upvoted" in reason

    # "Not interested" in an author removes their papers.
    item = page.locator("li.paper:has-text('Robot grasping from pixels')")
    item.locator("details.pf-more summary").click()
    item.locator("button.pf-not-author").click()
    page.wait_for_url(f"{base}/for-you")
    assert not any("robot" in t.lower() for t in titles(page))

    # A saved search's new match appears after an ingest.
    page.goto(f"{base}/search?q=spintronics")
    page.click("form.pf-save-search button")
    page.wait_for_url(f"{base}/for-you/searches")
    upsert_records([PaperRecord(arxiv_id="2611.00042", title="Spintronics for in-memory computing",
                                abstract="Spin currents store bits.", authors=["Lise Meitner"], categories=["cs.ET"],
                                listing_date=day)])
    announce_ingested(sender=None, count=1, final=True)
    page.goto(f"{base}/for-you")
    assert "Spintronics for in-memory computing" in titles(page)[:3], titles(page)
    match = page.locator("li.paper:has-text('Spintronics for in-memory computing') .pf-reason").first.inner_text()
    assert "matches your saved search 'spintronics'" in match

    # The private feed URL parses as RSS; revoking it gives 404.
    page.goto(f"{base}/for-you/searches")
    page.click("button.pf-new-feed")
    url = page.locator("a.pf-feed-url").get_attribute("href")
    response = page.request.get(f"{base}{url}")
    assert response.status == 200
    parsed = feedparser.parse(response.body())
    assert not parsed.bozo and parsed.entries[0].title == "Spintronics for in-memory computing"
    search_feed = feedparser.parse(page.request.get(f"{base}{page.locator('a.pf-search-feed').get_attribute('href')}").body())
    assert [e.title for e in search_feed.entries] == ["Spintronics for in-memory computing"]
    page.click("button.pf-revoke")
    page.wait_for_url(f"{base}/for-you/searches")
    assert page.request.get(f"{base}{url}").status == 404
