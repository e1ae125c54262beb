"""Item 5: Week and Month rank different papers; the order is explained; the stale banner is plain."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_paper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _titles(page) -> list[str]:
    return page.locator("ol.pf-trending h2").all_inner_texts()


def test_week_and_month_differ_on_an_old_catalogue(live_server, page):
    last = dt.date(2026, 7, 1)  # like the demo: the newest listing day is months ago
    make_paper(title="Month hit", listing_date=last - dt.timedelta(days=20), imported_upvotes=300)
    make_paper(title="Week hit", listing_date=last - dt.timedelta(days=2), imported_upvotes=40)
    make_paper(title="Fresh", listing_date=last, imported_upvotes=10)

    page.goto(f"{live_server.url}/trending?window=week")
    week = _titles(page)
    assert week == ["Week hit", "Fresh"]
    banner = page.inner_text(".pf-note")
    assert "No new papers have been listed since 1 July 2026" in banner
    assert "imported" not in banner  # plain words, no jargon
    assert "loses half its weight every 7 days" in page.inner_text("main")
    assert page.locator(".pf-score").count() == 2

    page.get_by_role("link", name="Month").click()
    month = _titles(page)
    assert month[0] == "Month hit" and month != week
    assert "every 30 days" in page.inner_text("main")


def test_week_and_month_differ_on_the_demo_catalogue():
    from paperfeed.catalog.ingest_files import DEMO_DATA, ingest_paths
    from paperfeed.community.services import compute_trending

    ingest_paths([DEMO_DATA])
    week = [pid for pid, _, _ in compute_trending(window="week").entries[:10]]
    month = [pid for pid, _, _ in compute_trending(window="month").entries[:10]]
    assert len(week) == len(month) == 10
    assert len(set(month) - set(week)) >= 3  # the month's hits from before the last week show up
