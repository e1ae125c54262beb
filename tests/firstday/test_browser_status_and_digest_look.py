"""Item 12: /status shows its whole Counts column; the digest pages have the site's buttons and width."""

from __future__ import annotations

import pytest
from django.utils import timezone

from paperfeed.digests.tokens import make_token
from tests.factories import make_job_run, make_subscriber, make_user
from tests.browser import PASSWORD
from tests.firstday.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_status_table_fits_and_shows_every_count(live_server, page):
    ids = [f"2612.{n:05d}" for n in range(40)]
    make_job_run("submissions", started_at=timezone.now(), ok=False, error="FetchError: arXiv unreachable",
                 counts={"requested": 40, "not_found": ids, "pending": 40, "deferred": 0, "resolved": 0})
    make_job_run("harvest", started_at=timezone.now(), counts={"new": 120, "updated": 3, "records": 4133, "pages": 2})
    make_user(username="ops", password=PASSWORD, is_staff=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, "ops")
    page.goto(f"{live_server.url}/status")
    scroller = page.locator(".table-scroll").first
    assert scroller.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # nothing hidden to the right
    box, main = page.locator("td.counts").first.bounding_box(), page.locator("main").bounding_box()
    assert box["x"] + box["width"] <= main["x"] + main["width"]
    assert "resolved: 0" in page.inner_text("table.jobs-table")


def test_digest_buttons_look_like_the_sites(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    site = page.locator("form.pf-form button[type=submit]").evaluate("b => getComputedStyle(b).backgroundColor")
    main_width = page.locator("main").bounding_box()["width"]

    token = make_token("manage", make_subscriber(email="ada@example.org"))
    page.goto(f"{live_server.url}/digests/preferences/{token}")
    save = page.get_by_role("button", name="Save preferences")
    assert save.evaluate("b => getComputedStyle(b).backgroundColor") == site
    assert page.locator("section.digests").bounding_box()["width"] >= main_width - 40  # not a narrow column
