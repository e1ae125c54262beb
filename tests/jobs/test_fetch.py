"""``paperfeed fetch arxiv`` (ids, or --pending submissions) against a replaying arXiv API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from paperfeed.catalog.models import Paper
from paperfeed.community.models import Submission
from paperfeed.community.submissions import submit_paper
from paperfeed.jobs.models import JobRun
from tests.factories import make_user
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


def test_fetch_command(arxiv_api, capsys):
    call_command("fetch", "arxiv", "2606.00021")
    assert Paper.objects.filter(arxiv_id="2606.00021").exists()
    assert "fetch done" in capsys.readouterr().out
    with pytest.raises(CommandError, match="give arXiv ids"):
        call_command("fetch", "arxiv")


def test_fetch_pending_command_records_its_run(arxiv_api, settings, capsys):
    # The submissions are dated 2026-06; a tight max age would reject them as never found.
    settings.SUBMISSION_MAX_AGE_DAYS = 100_000
    when = dt.datetime(2026, 6, 20, 9, tzinfo=dt.UTC)
    submit_paper(user=make_user(), text="https://arxiv.org/abs/2606.00021v1", now=when)
    call_command("fetch", "arxiv", "--pending")
    assert "fetch done" in capsys.readouterr().out
    assert Submission.objects.get(arxiv_id="2606.00021").status != "queued"
    run = JobRun.objects.get(name="submissions")
    assert run.ok and run.counts["fetched"] == 1
