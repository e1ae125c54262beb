"""`paperfeed fetch arxiv` and the pending-submissions job against a replaying arXiv API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command

from paperfeed.catalog.models import Paper
from paperfeed.jobs.fetch import fetch_arxiv, fetch_pending_submissions
from paperfeed.jobs.models import JobRun
from tests.jobs.replay import Reply, ReplayServer

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parent.parent / "catalog" / "sources" / "fixtures" / "arxiv_api"


@pytest.fixture
def arxiv_api(settings):
    cache.clear()
    with ReplayServer() as server:
        server.add("/api/query", Reply(200, (FIXTURES / "batch.xml").read_bytes()))
        settings.ARXIV_API_URL = server.url + "/api/query"
        settings.ARXIV_REQUEST_INTERVAL = 0
        yield server


def test_fetch_arxiv_upserts_and_reports(arxiv_api):
    counts = fetch_arxiv(["arXiv:2606.00020v2", "https://arxiv.org/abs/2606.00021", "2606.99999", "not-an-id"])
    assert arxiv_api.requests[0].query["id_list"] == "2606.00020,2606.00021,2606.99999"
    assert (counts["fetched"], counts["new"]) == (2, 2)
    assert counts["not_found"] == ["2606.99999"]
    assert any("not-an-id" in e for e in counts["errors"]) and "2606.99999: not found" in counts["errors"]
    paper = Paper.objects.get(arxiv_id="2606.00020")
    assert paper.version == 2 and paper.title == "Scaling Laws for Submitted Papers"
    assert paper.primary_category == "cs.CL"
    again = fetch_arxiv(["2606.00020"])
    assert (again["new"], again["updated"]) == (0, 0)  # idempotent


def test_fetch_command(arxiv_api, capsys):
    call_command("fetch", "arxiv", "2606.00021")
    assert Paper.objects.filter(arxiv_id="2606.00021").exists()
    assert "fetch done" in capsys.readouterr().out
    with pytest.raises(CommandError, match="give arXiv ids"):
        call_command("fetch", "arxiv")


def test_pending_submissions_are_fetched_then_resolved(arxiv_api, settings):
    # The submissions are dated 2026-06; a tight max age would reject them as never found.
    settings.SUBMISSION_MAX_AGE_DAYS = 100_000
    from paperfeed.community.models import Submission
    from paperfeed.community.submissions import submit_paper

    user = get_user_model().objects.create_user("sub", "s@example.org", "a-long-password-1")
    when = dt.datetime(2026, 6, 20, 9, tzinfo=dt.UTC)
    submit_paper(user=user, text="https://arxiv.org/abs/2606.00021v1", now=when)
    submit_paper(user=user, text="2606.99999", now=when)
    assert set(Submission.objects.values_list("status", flat=True)) == {"queued"}

    counts = fetch_pending_submissions()
    assert counts["fetched"] == 1 and counts["resolved"] == 1
    assert Submission.objects.get(arxiv_id="2606.00021").status != "queued"
    assert Submission.objects.get(arxiv_id="2606.99999").status == "queued"

    # The unknown id is not asked again on the next run (within the hour).
    arxiv_api.requests.clear()
    counts = fetch_pending_submissions()
    assert arxiv_api.requests == [] and counts["deferred"] == 1

    call_command("fetch", "arxiv", "--pending")
    assert JobRun.objects.get(name="submissions").ok
