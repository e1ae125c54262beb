"""/healthz and the staff /status page through a failed and then recovered harvest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from paperfeed.jobs import services
from paperfeed.jobs.models import JobRun
from paperfeed.jobs.worker import default_jobs
from tests.factories import make_job_run, make_user
from tests.jobs.replay import Reply, ReplayServer

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parent.parent / "catalog" / "sources" / "fixtures" / "oaipmh"


class Arxiv:
    """An OAI-PMH endpoint that can be switched between working and failing."""

    def __init__(self) -> None:
        self.failing = False

    def __call__(self, request) -> Reply:
        if self.failing:
            return Reply(500, "<html>Internal Server Error</html>")
        return Reply(200, (FIXTURES / "no_records.xml").read_bytes())


@pytest.fixture
def arxiv(settings):
    endpoint = Arxiv()
    with ReplayServer() as server:
        server.add_handler("/oai", endpoint)
        settings.ARXIV_OAI_URL = server.url + "/oai"
        settings.ARXIV_REQUEST_INTERVAL = 0
        settings.ARXIV_RETRY_BACKOFF_SECONDS = 0.01
        settings.ARXIV_MAX_RETRIES = 1
        settings.HARVEST_ENABLED = True
        settings.HARVEST_STALE_HOURS = 36
        yield endpoint


@pytest.fixture
def staff_client(client):
    client.force_login(make_user(username="ops", is_staff=True))
    return client


def healthz(client):
    response = client.get("/healthz")
    return response.status_code, response.json()


def test_failed_then_recovered_harvest(arxiv, client, staff_client):
    # A fresh install: nothing harvested yet is "pending", not a failure.
    status, body = healthz(client)
    assert (status, body["components"]["job:harvest"]) == (200, "ok")

    call_command("harvest", "arxiv", verbosity=0)
    assert healthz(client)[1]["components"]["job:harvest"] == "ok"

    # The last success was 40 hours ago, and now arXiv fails.
    long_ago = timezone.now() - dt.timedelta(hours=40)
    JobRun.objects.filter(name="harvest").update(started_at=long_ago, finished_at=long_ago)
    arxiv.failing = True
    with pytest.raises(CommandError, match="harvest failed"):
        call_command("harvest", "arxiv", verbosity=0)
    status, body = healthz(client)
    # Degraded, not down: a load balancer keeps serving; a monitor reads the component.
    assert status == 200 and body["status"] == "degraded"
    assert body["components"]["job:harvest"] == "degraded"
    assert "HTTP 500" not in str(body)  # the public answer has states only

    page = staff_client.get("/status")
    assert page.status_code == 200
    html = page.content.decode()
    assert "degraded" in html and "HTTP 500" in html and "failed" in html and "overdue" in html

    # arXiv is back: the next harvest succeeds and health recovers.
    arxiv.failing = False
    call_command("harvest", "arxiv", verbosity=0)
    status, body = healthz(client)
    assert status == 200 and body["components"]["job:harvest"] == "ok"
    data = staff_client.get("/status?format=json").json()
    job = next(j for j in data["jobs"] if j["name"] == "harvest")
    assert job["last"]["ok"] is True and job["last_failed"]["ok"] is False and job["overdue"] is False
    assert data["harvest_states"][0]["watermark"]


def test_first_harvest_failing_for_too_long_is_degraded(arxiv, client):
    arxiv.failing = True
    with pytest.raises(CommandError):
        call_command("harvest", "arxiv", verbosity=0)
    assert healthz(client)[1]["components"]["job:harvest"] == "ok"  # not yet overdue
    long_ago = timezone.now() - dt.timedelta(hours=37)
    JobRun.objects.update(started_at=long_ago)
    assert healthz(client)[1]["components"]["job:harvest"] == "degraded"


def test_disabled_harvest_is_left_out(arxiv, client, settings):
    settings.HARVEST_ENABLED = False
    make_job_run("harvest", started_at=timezone.now() - dt.timedelta(days=9), ok=False, error="x")
    status, body = healthz(client)
    assert status == 200 and "job:harvest" not in body["components"]


def test_status_page_is_staff_only(client):
    response = client.get("/status")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(make_user())
    assert client.get("/status").status_code == 302


def test_job_runs_in_admin(staff_client):
    user = get_user_model().objects.get(username="ops")
    user.is_superuser = True
    user.save()
    make_job_run("stars", started_at=timezone.now(), ok=False, error="RateLimited: wait")
    response = staff_client.get("/admin/jobs/jobrun/")
    assert response.status_code == 200 and b"RateLimited: wait" in response.content


def test_killed_run_shows_as_interrupted(staff_client):
    make_job_run("harvest", started_at=timezone.now() - dt.timedelta(hours=1), ok=None)
    data = staff_client.get("/status?format=json").json()
    job = next(j for j in data["jobs"] if j["name"] == "harvest")
    assert job["interrupted"] is True
    assert "interrupted" in staff_client.get("/status").content.decode()


def test_healthz_is_cheap_enough_for_a_load_balancer(django_assert_num_queries):
    # Polled every few seconds by every load balancer: SELECT 1, the heartbeat, the leases, then two
    # indexed queries per enabled job (its last success, its failures since), however many runs exist.
    now = timezone.now()
    for job in default_jobs():
        make_job_run(job.name, started_at=now - dt.timedelta(minutes=1), finished_at=now, ok=True)
    enabled = [job for job in default_jobs() if job.enabled()]
    with django_assert_num_queries(3 + 2 * len(enabled)):
        assert services.health(now=now)["status"] in {"ok", "degraded"}
