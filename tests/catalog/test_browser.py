"""One real-browser check: home page -> paper page, math renders, markup in data stays text."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import add_authors, make_paper
from tests.browser import needs_chromium

# Playwright's sync API runs an event loop in this thread; Django's ORM calls here are safe.


pytestmark = [
    pytest.mark.browser,
    needs_chromium,
]


@pytest.fixture
def browser_page(page):
    return page


@pytest.mark.django_db(transaction=True)
def test_home_to_paper_math_renders_and_markup_stays_text(live_server, browser_page):
    evil = ("We bound $\\mathcal{O}(n^2)$ and $$\\sum_{i=1}^n i = \\frac{n(n+1)}{2}$$ for all $n$. "
            "<script>window.__pwned = 1</script> <img src=x onerror=\"window.__pwned = 2\"> A & B.")
    paper = make_paper(
        arxiv_id="2606.04242", title="Energy $E = mc^2$ at scale", abstract=evil,
        listing_date=dt.date(2026, 6, 15), imported_upvotes=3,
    )
    add_authors(paper, ["Marie Curie"])
    make_paper(title="A quieter paper", listing_date=dt.date(2026, 6, 15))
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(live_server.url + "/")
    link = page.locator("a", has_text="at scale").first
    link.click()
    page.wait_for_url("**/papers/2606.04242")

    page.wait_for_selector(".paper-title .katex", timeout=30_000)
    assert page.locator(".abstract .katex").count() >= 2
    assert page.locator(".abstract .katex-display").count() == 1
    abstract = page.locator(".abstract-block .abstract").text_content()
    assert "<script>window.__pwned = 1</script>" in abstract
    assert '<img src=x onerror="window.__pwned = 2">' in abstract
    assert "A & B." in abstract
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".abstract-block script, .abstract-block img").count() == 0
    assert page.locator("a[href='/authors/marie-curie']").count() == 1
    assert not errors, errors
