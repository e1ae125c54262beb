"""Item 8: an anonymous upvote asks to log in and counts after; a banned user is told; the total follows."""

from __future__ import annotations

import pytest

from paperfeed.community.models import Vote
from tests.factories import make_paper, make_user
from tests.browser import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_anonymous_vote_counts_after_login(live_server, page):
    ada = make_user(username="ada", password=PASSWORD)
    paper = make_paper(title="Worth a vote", imported_upvotes=162)
    page.goto(f"{live_server.url}{paper.get_absolute_url()}")
    page.locator(".paper-actions a.pf-vote").click()
    page.wait_for_url("**/accounts/login/**")
    assert "Log in to upvote “Worth a vote”" in page.inner_text(".messages")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.pf-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}{paper.get_absolute_url()}")
    assert Vote.objects.filter(user=ada, paper=paper).exists()
    assert "Upvoted" in page.inner_text(".messages")
    assert page.inner_text(".paper-actions .pf-vote-count") == "163"
    assert page.inner_text(".vote-total").startswith("163 votes, 162 imported")


def test_banned_user_is_told(live_server, page):
    from paperfeed.accounts.models import Profile

    bob = make_user(username="bob", password=PASSWORD)
    Profile.objects.update_or_create(user=bob, defaults={"banned": True})
    paper = make_paper(title="Out of reach")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.pf-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{paper.get_absolute_url()}")
    page.locator(".paper-actions form.pf-vote button").click()
    assert "suspended" in page.locator(".pf-vote-error").inner_text()
    assert not Vote.objects.filter(paper=paper).exists()
