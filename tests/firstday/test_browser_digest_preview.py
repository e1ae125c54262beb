"""Items 2 and 3: a subscriber tries the digest on the demo from the preferences page, by relative links."""

from __future__ import annotations

import pytest

from paperfeed.catalog.ingest_files import DEMO_DATA, ingest_paths
from paperfeed.digests.emails import links
from tests.factories import make_subscriber

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_preview_shows_the_demo_digest(live_server, page, settings):
    settings.SITE_URL = "http://127.0.0.1:9"  # a dead host: no link on these pages may lead there
    assert not ingest_paths([DEMO_DATA], parallel=False).failed
    sub = make_subscriber(email="demo@example.org")

    page.goto(live_server.url + links(sub, base="")["preferences_url"])
    page.get_by_role("link", name="Preview my digest").click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_server.url}/digests/preview/")
    assert "Nothing is sent from this page" in page.inner_text("main")
    titles = page.locator("main a[href^='/papers/']").all_inner_texts()
    assert len(titles) >= 5  # the demo's digest has content, months after its votes
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if h.startswith(settings.SITE_URL)]
