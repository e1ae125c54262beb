"""Item 4: deleting a collection asks first; removing a paper can be undone; both look dangerous."""

from __future__ import annotations

import pytest

from paperfeed.community.models import Collection
from tests.factories import make_collection, make_paper, make_user
from tests.browser import PASSWORD
from tests.firstday.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_delete_asks_first_and_remove_can_be_undone(live_server, page):
    ada = make_user(username="ada", password=PASSWORD)
    paper = make_paper(title="Kept paper")
    collection = make_collection(owner=ada, papers=[paper], name="Reading list")
    log_in(page, live_server.url, "ada")

    page.goto(f"{live_server.url}{collection.get_absolute_url()}")
    page.get_by_role("button", name="Remove Kept paper from this collection").click()
    page.get_by_role("button", name="Undo").click()
    assert page.locator("text=Kept paper").count() >= 1
    assert collection.items.count() == 1

    page.get_by_role("link", name="Delete this collection…").click()
    assert "cannot be undone" in page.inner_text("main")
    button = page.get_by_role("button", name="Delete this collection")
    colour = button.evaluate("b => getComputedStyle(b).backgroundColor")
    assert colour == "rgb(180, 35, 24)"  # danger styling
    assert Collection.objects.filter(pk=collection.pk).exists()  # asking deleted nothing
    page.get_by_role("link", name="Keep it").click()
    assert Collection.objects.filter(pk=collection.pk).exists()

    page.get_by_role("link", name="Delete this collection…").click()
    page.get_by_role("button", name="Delete this collection").click()
    page.wait_for_url(f"{live_server.url}/collections/")
    assert not Collection.objects.filter(pk=collection.pk).exists()
