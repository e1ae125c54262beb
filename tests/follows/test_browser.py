"""One real-browser flow in Debian's chromium: log in → follow an author from their page → follow a lab →
the lab page lists its members' papers and picks → the profile lists both follows."""

from __future__ import annotations


import pytest

from tests.browser import PASSWORD, needs_chromium


pytestmark = [
    pytest.mark.browser,
    needs_chromium,
]


@pytest.mark.django_db(transaction=True)
def test_follow_an_author_and_a_lab(live_server, page, settings):
    from django.core.cache import cache

    from paperfeed.follows.models import Follow, Status
    from tests.factories import add_authors, make_author_claim, make_lab, make_lab_membership, make_paper, make_user

    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # argon2 is tested elsewhere
    reader = make_user(username="reader", password=PASSWORD)
    grace = make_user(username="grace")
    authored = make_paper(title="Seeing with transformers", authors=["Grace Hopper", "Alan Turing"])
    hopper, turing = add_authors(authored)
    picked = make_paper(title="A paper grace picked")
    picked.picked_by = grace
    picked.save(update_fields=["picked_by"])
    lab = make_lab(name="Vision Lab", slug="vision", description="Computer vision reading group")
    make_lab_membership(lab=lab, user=grace, is_admin=True)
    make_author_claim(user=grace, paper=authored, author=hopper, status=Status.APPROVED)
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "reader")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.pf-form button[type=submit]")
    page.wait_for_url(f"{base}/")

    # Follow an author from the author's page; the button turns into "Following".
    page.goto(f"{base}/authors/{turing.key}")
    page.click("button.follow-button:has-text('Follow')")
    page.wait_for_selector("button.follow-button[aria-pressed=true]")
    assert page.url == f"{base}/authors/{turing.key}"

    # Follow the lab from its page, which lists the members' papers and picks.
    page.goto(f"{base}/labs/vision")
    assert page.locator("h1").inner_text() == "Vision Lab"
    page.click("button.follow-button:has-text('Follow')")
    page.wait_for_selector("button.follow-button[aria-pressed=true]")
    titles = page.locator("ol.papers .paper-title").all_inner_texts()
    assert titles == ["Seeing with transformers", "A paper grace picked"]
    assert "grace" in page.locator(".lab-members").inner_text()

    assert {(f.author_id, f.lab_id) for f in Follow.objects.filter(user=reader)} == {(turing.pk, None),
                                                                                       (None, lab.pk)}
    page.goto(f"{base}/accounts/profile/")
    followed = page.locator("text=You follow").locator("xpath=following-sibling::ul[1]").inner_text()
    assert "Alan Turing" in followed and "Vision Lab" in followed
