"""Item 12: a 404 page with navigation and a way to submit; /favicon.ico; a labelled vote sparkline."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import make_paper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_not_found_page_and_favicon(live_server, page):
    response = page.goto(f"{live_server.url}/papers/2612.01234")
    assert response.status == 404
    assert page.locator("header nav a", has_text="Trending").count() == 1
    page.get_by_role("link", name="submit it").click()
    page.wait_for_url("**/accounts/login/?next=/submit%3Fpaper%3D2612.01234")

    response = page.goto(f"{live_server.url}/no/such/page")
    assert response.status == 404 and "Submit it by its arXiv id" in page.inner_text("main")

    icon = httpx.get(f"{live_server.url}/favicon.ico", follow_redirects=True, timeout=10)
    assert icon.status_code == 200 and icon.content[:4] == b"\x00\x00\x01\x00"


def test_sparkline_has_a_caption(live_server, page):
    paper = make_paper(imported_upvotes=12)
    page.goto(f"{live_server.url}{paper.get_absolute_url()}")
    assert page.inner_text(".pf-spark-caption") == "votes per day, 30 days"
