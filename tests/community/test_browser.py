"""One real-browser flow in Debian's chromium: sign up → confirm by email → log in → upvote →
the paper moves up on trending → add to a collection → export BibTeX → the collection's RSS parses."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tests.browser import PASSWORD, chromium_page, needs_chromium


pytestmark = [
    pytest.mark.browser,
    needs_chromium,
]


@pytest.fixture
def page():
    """The shared page fixture's chromium, accepting downloads (the collection exports)."""
    with chromium_page(accept_downloads=True) as browser_page:
        yield browser_page


def _order(page) -> list[str]:
    return page.locator("ol.pf-trending > li").evaluate_all("els => els.map(e => e.id)")


@pytest.mark.django_db(transaction=True)
def test_signup_to_collection_feed(live_server, page, smtp, settings):
    import feedparser
    from django.utils import timezone

    from tests.factories import make_paper, make_user, make_vote

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # argon2 is tested elsewhere
    now = timezone.now()
    leader = make_paper(arxiv_id="2611.00001", title="Leader paper", listing_date=now.date())
    climber = make_paper(arxiv_id="2611.00002", title="Climber: $x^2$ & friends", listing_date=now.date())
    for hours in (1, 2, 3):
        make_vote(user=make_user(), paper=leader, at=now - dt.timedelta(hours=hours))
    for hours in (1, 2):
        make_vote(user=make_user(), paper=climber, at=now - dt.timedelta(minutes=30 * hours))
    base = live_server.url

    # Sign up; the confirmation mail arrives at the real SMTP server.
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=email]", "ada@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("form.pf-form button[type=submit]")
    page.wait_for_url(f"{base}/accounts/signup/done/")
    (message,) = smtp.to("ada@example.org")
    # The path only: mails link to SITE_URL, which is not the live server's port.
    link = base + re.search(r"/accounts/confirm/\S+/", message.get_body(("plain",)).get_content()).group(0)

    # Confirming logs in.
    page.goto(link)
    page.click("text=Confirm my account")
    page.wait_for_url(f"{base}/")

    # Upvote the second paper on the trending page (in place, with fetch) and watch it move up.
    page.goto(f"{base}/trending?window=day")
    assert _order(page) == ["paper-261100001", "paper-261100002"]
    vote = page.locator("#paper-261100002 form.pf-vote")
    page.evaluate("() => { window.samePage = true; }")
    vote.locator("button").click()
    page.wait_for_function("() => document.querySelector('#paper-261100002 form.pf-vote').classList.contains('is-voted')")
    assert vote.locator(".pf-vote-count").inner_text() == "3"
    assert page.evaluate("() => window.samePage === true")  # updated in place, no page load
    page.reload()
    assert _order(page) == ["paper-261100002", "paper-261100001"]

    # Add it to a new collection from its paper page, make the collection public.
    page.goto(f"{base}/papers/2611.00002")
    page.fill("form.pf-collect input[name=name]", "Reading list")
    page.click("form.pf-collect button[type=submit]")
    page.goto(f"{base}/collections/")
    page.click("text=Reading list")
    assert "Climber" in page.inner_text("main")
    page.check("input[name=public]")
    page.click("text=Save")
    collection_url = page.url

    # Export BibTeX through a real download.
    with page.expect_download() as download:
        page.click("text=BibTeX")
    bib = Path(download.value.path()).read_text()
    assert "@misc{" in bib and r"Climber: $x^2$ \& friends" in bib and "eprint = {2611.00002}" in bib

    # The collection's RSS feed is linked from its page and parses cleanly.
    feed_href = page.get_attribute("link[rel=alternate][type='application/rss+xml']", "href")
    body = page.request.get(f"{base}{feed_href}").body()
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.title for e in feed.entries] == ["Climber: $x^2$ & friends"]
    assert collection_url.startswith(f"{base}/collections/")
