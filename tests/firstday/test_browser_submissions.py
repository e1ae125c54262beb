"""Item 7: a demo paper can be submitted; resubmitting your own id adds no row; arXiv down is said."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from paperfeed.community.models import Submission
from paperfeed.community.submissions import fetch_pending_submissions, submit_paper
from tests.factories import make_paper, make_user
from tests.browser import PASSWORD
from tests.firstday.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_submit_on_an_old_catalogue_and_resubmit(live_server, page):
    ada = make_user(username="ada", password=PASSWORD)
    last = dt.date(2026, 7, 1)
    make_paper(listing_date=last)
    paper = make_paper(arxiv_id="2606.30001", title="Demo paper", listing_date=last - dt.timedelta(days=3),
                       submitted_at=dt.datetime(2026, 6, 27, 12, tzinfo=dt.UTC))
    log_in(page, live_server.url, "ada")
    for _ in range(2):
        page.goto(f"{live_server.url}/submit")
        page.fill("input[name=paper]", "https://arxiv.org/abs/2606.30001v1")
        page.get_by_role("button", name="Submit").click()
        assert "Listed" in page.inner_text(".pf-note")
    assert "You submitted this on" in page.inner_text(".pf-note")
    assert Submission.objects.filter(user=ada, paper=paper).count() == 1


def test_arxiv_unreachable_is_told(settings):
    settings.ARXIV_API_URL = "http://127.0.0.1:9/api/query"  # nothing listens on the discard port
    settings.ARXIV_MAX_RETRIES = 0
    ada = make_user()
    sub = submit_paper(user=ada, text="2612.00001", now=timezone.now())
    assert sub.status == Submission.Status.QUEUED
    with pytest.raises(Exception):
        fetch_pending_submissions()
    sub.refresh_from_db()
    assert "arXiv could not be reached" in sub.detail
