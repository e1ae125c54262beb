"""Submissions: id/URL forms, listing on today's page, queue, duplicates, age and daily limits, fetching queued ones."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from paperfeed.community.arxiv_ids import id_month, parse_arxiv_id, split_ids
from paperfeed.community.models import Submission
from paperfeed.community.submissions import (
    SubmissionError,
    fetch_pending_submissions,
    pending_submission_ids,
    resolve_submissions,
    submit_paper,
)
from tests.factories import make_paper, make_user
from tests.jobs.replay import Reply, ReplayServer

ARXIV_API_FIXTURES = Path(__file__).resolve().parent.parent / "catalog" / "sources" / "fixtures" / "arxiv_api"
NOW = dt.datetime(2026, 6, 20, 9, 0, tzinfo=dt.UTC)
Status = Submission.Status


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2406.07550", ("2406.07550", None)),
        (" 2406.07550v2 ", ("2406.07550", 2)),
        ("arXiv:2406.07550v3", ("2406.07550", 3)),
        ("https://arxiv.org/abs/2406.07550", ("2406.07550", None)),
        ("http://www.arxiv.org/abs/2406.07550v1", ("2406.07550", 1)),
        ("https://arxiv.org/pdf/2406.07550v2.pdf", ("2406.07550", 2)),
        ("https://arxiv.org/pdf/2406.07550", ("2406.07550", None)),
        ("https://export.arxiv.org/abs/2406.07550?context=cs", ("2406.07550", None)),
        ("https://arxiv.org/html/2406.07550v1", ("2406.07550", 1)),
        ("0704.0001", ("0704.0001", None)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("https://arxiv.org/abs/hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("math.GT/0309136", ("math.GT/0309136", None)),
        ("", None),
        ("2413.00001", None),
        ("not an id", None),
        ("https://example.org/abs/2406.07550", None),
        ("2406.07550<script>", None),
    ],
)
def test_parse_arxiv_id(text, expected):
    assert parse_arxiv_id(text) == expected


def test_id_helpers():
    assert id_month("2406.07550") == dt.date(2024, 6, 1)
    assert id_month("hep-th/9901001") is None
    assert split_ids("2406.1, 2406.2;2406.3\n\n x") == ["2406.1", "2406.2", "2406.3", "x"]


pytestmark = pytest.mark.django_db


def test_catalogued_paper_goes_on_todays_page(client):
    paper = make_paper(arxiv_id="2606.11111", listing_date=dt.date(2026, 6, 15))
    sub = submit_paper(user=make_user(), text="https://arxiv.org/abs/2606.11111v2", now=NOW)
    assert sub.status == Status.LISTED and sub.paper == paper
    assert sub.listed_on == NOW.date() and sub.previous_listing_date == dt.date(2026, 6, 15)
    paper.refresh_from_db()
    assert paper.listing_date == NOW.date()


def test_paper_without_listing_date_gets_today(client):
    paper = make_paper(arxiv_id="2606.22222", submitted_at=NOW - dt.timedelta(days=2))
    paper.listing_date = None
    paper.save()
    sub = submit_paper(user=make_user(), text="2606.22222", now=NOW)
    paper.refresh_from_db()
    assert sub.status == Status.LISTED and paper.listing_date == NOW.date()


def test_unknown_paper_is_queued_then_resolved_by_the_worker_hooks():
    sub = submit_paper(user=make_user(), text="arXiv:2606.33333", now=NOW)
    assert sub.status == Status.QUEUED and "not in the catalogue yet" in sub.detail.lower()
    assert pending_submission_ids() == ["2606.33333"]
    assert resolve_submissions(now=NOW) == 0
    make_paper(arxiv_id="2606.33333", listing_date=dt.date(2026, 6, 18))
    assert resolve_submissions(now=NOW) == 1
    sub.refresh_from_db()
    assert sub.status == Status.LISTED and sub.paper.arxiv_id == "2606.33333"
    assert pending_submission_ids() == []


def test_queued_submission_never_found_expires():
    sub = submit_paper(user=make_user(), text="2606.34343", now=NOW)
    assert resolve_submissions(now=NOW + dt.timedelta(days=3)) == 0
    assert resolve_submissions(now=NOW + dt.timedelta(days=15)) == 1
    sub.refresh_from_db()
    assert sub.status == Status.REJECTED and pending_submission_ids() == []


def test_duplicates_point_to_the_first_submission():
    first = submit_paper(user=make_user(), text="2606.44444", now=NOW)
    dup = submit_paper(user=make_user(), text="https://arxiv.org/pdf/2606.44444v1", now=NOW)
    assert dup.status == Status.DUPLICATE and dup.duplicate_of == first
    assert pending_submission_ids() == ["2606.44444"]


def test_too_old_papers_are_rejected():
    old = make_paper(arxiv_id="2601.00001", submitted_at=NOW - dt.timedelta(days=30))
    sub = submit_paper(user=make_user(), text="2601.00001", now=NOW)
    assert sub.status == Status.REJECTED and "14 days" in sub.detail
    old.refresh_from_db()
    assert old.listing_date == dt.date(2026, 6, 15)  # untouched
    assert submit_paper(user=make_user(), text="2401.00001", now=NOW).status == Status.REJECTED
    assert submit_paper(user=make_user(), text="hep-th/9901001", now=NOW).status == Status.REJECTED


def test_max_age_is_a_setting(settings):
    settings.SUBMISSION_MAX_AGE_DAYS = 60
    make_paper(arxiv_id="2605.00001", submitted_at=NOW - dt.timedelta(days=30))
    assert submit_paper(user=make_user(), text="2605.00001", now=NOW).status == Status.LISTED


def test_per_user_daily_limit(settings):
    settings.SUBMISSIONS_PER_USER_PER_DAY = 2
    user = make_user()
    submit_paper(user=user, text="2606.50001", now=NOW)
    submit_paper(user=user, text="2606.50002", now=NOW)
    with pytest.raises(SubmissionError, match="limit is 2"):
        submit_paper(user=user, text="2606.50003", now=NOW)
    assert submit_paper(user=user, text="2606.50003", now=NOW + dt.timedelta(days=1, minutes=1))


def test_invalid_input_is_a_message():
    with pytest.raises(SubmissionError, match="not an arXiv id"):
        submit_paper(user=make_user(), text="https://example.org/paper", now=NOW)


def test_hidden_paper_is_rejected():
    make_paper(arxiv_id="2606.60000", hidden=True, submitted_at=NOW)
    assert submit_paper(user=make_user(), text="2606.60000", now=NOW).status == Status.REJECTED


def test_submit_page(client):
    from django.utils import timezone

    fresh = f"{timezone.now():%y%m}.77777"
    client.force_login(make_user())
    assert client.get("/submit").status_code == 200
    html = client.post("/submit", {"paper": fresh}).content.decode()
    assert "not in catalogue yet" in html
    html = client.post("/submit", {"paper": "rubbish <b>"}).content.decode()
    assert "is not an arXiv id" in html and "<b>" not in html.split("is not an arXiv id")[0][-40:]
    assert fresh in client.get("/accounts/profile/").content.decode()


def test_submit_needs_login(client):
    assert client.get("/submit")["Location"].startswith("/accounts/login/")


@pytest.fixture
def arxiv_api(settings):
    """The arXiv API replayed on loopback: it knows 2606.00020 and 2606.00021."""
    with ReplayServer() as server:
        server.add("/api/query", Reply(200, (ARXIV_API_FIXTURES / "batch.xml").read_bytes()))
        settings.ARXIV_API_URL = server.url + "/api/query"
        settings.ARXIV_REQUEST_INTERVAL = 0
        yield server


def test_pending_submissions_are_fetched_then_resolved(arxiv_api):
    user = make_user()
    submit_paper(user=user, text="https://arxiv.org/abs/2606.00021v1", now=NOW)
    submit_paper(user=user, text="2606.99999", now=NOW)
    assert set(Submission.objects.values_list("status", flat=True)) == {Status.QUEUED}

    counts = fetch_pending_submissions(now=NOW)
    assert counts["fetched"] == 1 and counts["resolved"] == 1
    assert Submission.objects.get(arxiv_id="2606.00021").status != Status.QUEUED
    assert Submission.objects.get(arxiv_id="2606.99999").status == Status.QUEUED

    # The unknown id is not asked again within the hour…
    arxiv_api.requests.clear()
    counts = fetch_pending_submissions(now=NOW + dt.timedelta(minutes=59))
    assert arxiv_api.requests == [] and (counts["pending"], counts["deferred"]) == (1, 1)

    # …and is asked again after it.
    counts = fetch_pending_submissions(now=NOW + dt.timedelta(minutes=61))
    assert arxiv_api.requests[0].query["id_list"] == "2606.99999" and counts["deferred"] == 0
