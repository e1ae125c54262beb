"""A job failing run after run shows: /healthz degraded, /status "failing", before it is overdue.

The case from the first-day report: a submitted id waits while arXiv cannot be reached, the worker
retries every few minutes and fails, and health used to say "ok" until the job went overdue.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from paperfeed.community.models import Submission
from paperfeed.jobs.models import JobRun
from paperfeed.jobs.worker import Worker, default_jobs
from tests.factories import make_job_run, make_submission, make_user
from tests.smtp import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def arxiv_unreachable(settings):
    settings.ARXIV_API_URL = f"http://127.0.0.1:{free_port()}/api/query"  # nothing listens there
    settings.ARXIV_REQUEST_INTERVAL = 0
    settings.ARXIV_MAX_RETRIES = 0
    settings.ARXIV_RETRY_BACKOFF_SECONDS = 0.01


def _run_submissions() -> None:
    Worker(default_jobs(), owner="w").run_due(inline=True, only=["submissions"], force=True)


def test_submissions_failing_three_times_in_a_row_degrade_health(arxiv_unreachable, client):
    make_submission(arxiv_id="2612.00001")
    _run_submissions()
    _run_submissions()
    assert JobRun.objects.filter(name="submissions", ok=False).count() == 2
    assert client.get("/healthz").json()["components"]["job:submissions"] == "ok"  # two: weather
    _run_submissions()
    body = client.get("/healthz").json()
    assert body["status"] == "degraded" and body["components"]["job:submissions"] == "degraded"

    client.force_login(make_user(username="ops", is_staff=True))
    html = client.get("/status").content.decode()
    assert "Health: <strong>degraded</strong>" in html and "failing: 3 runs in a row" in html
    job = next(j for j in client.get("/status?format=json").json()["jobs"] if j["name"] == "submissions")
    assert (job["state"], job["failing"], job["failures_in_a_row"]) == ("failing", True, 3)


def test_one_success_clears_failing(arxiv_unreachable, client):
    make_submission(arxiv_id="2612.00002")
    for _ in range(3):
        _run_submissions()
    Submission.objects.update(status=Submission.Status.REJECTED)  # nothing left to fetch: the next run succeeds
    _run_submissions()
    assert client.get("/healthz").json()["components"]["job:submissions"] == "ok"


def test_status_counts_wrap_instead_of_widening_the_table(client):
    ids = [f"2612.{n:05d}" for n in range(40)]
    make_job_run("submissions", started_at=timezone.now(), counts={"requested": 40, "not_found": ids})
    client.force_login(make_user(username="ops", is_staff=True))
    html = client.get("/status").content.decode()
    assert "<span>not_found: 40 (2612.00000, 2612.00001, 2612.00002, 2612.00003, 2612.00004, … (40))</span>" in html
    assert "2612.00039" not in html.split("Recent runs")[0]
