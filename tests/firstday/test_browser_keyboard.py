"""Item 9: a skip link; a long author list is one tab stop; Enter on the vote button keeps focus there."""

from __future__ import annotations

import pytest

from tests.factories import add_authors, make_paper, make_user
from tests.browser import PASSWORD
from tests.firstday.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _focused(page) -> str:
    return page.evaluate("() => { const e = document.activeElement; return e.tagName + '|' + (e.className || '') + '|' + (e.textContent || '').trim().slice(0, 40); }")


def test_keyboard_only(live_server, page):
    make_user(username="ada", password=PASSWORD)
    paper = make_paper(title="Many hands", authors=[f"Author Number{i}" for i in range(57)])
    add_authors(paper)
    log_in(page, live_server.url, "ada")
    page.goto(f"{live_server.url}{paper.get_absolute_url()}")

    page.keyboard.press("Tab")
    assert _focused(page).startswith("A|skip-link")
    page.keyboard.press("Enter")
    assert _focused(page).startswith("MAIN")

    # From the content start, the 57 authors cost one Tab; arrows move inside the list.
    page.locator(".authors-full a").first.focus()
    page.keyboard.press("ArrowRight")
    assert "Number1" in _focused(page)
    page.keyboard.press("Tab")
    assert "Author Number" not in _focused(page)

    button = page.locator(".paper-actions form.pf-vote button")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".paper-actions form.pf-vote.is-voted")
    assert page.evaluate("() => document.activeElement.closest('form.pf-vote') !== null")
    assert page.inner_text(".vote-total").startswith("1 vote")
    page.keyboard.press("Enter")  # and again, still from the keyboard
    page.wait_for_selector(".paper-actions form.pf-vote:not(.is-voted)")
    assert page.evaluate("() => document.activeElement.closest('form.pf-vote') !== null")
