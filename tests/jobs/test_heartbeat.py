"""The worker's heartbeat decides /healthz's worker component; the public answer holds states only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from paperfeed.jobs.models import WorkerHeartbeat
from paperfeed.jobs.worker import Worker
from tests.factories import make_user

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.t = start

    def __call__(self) -> dt.datetime:
        return self.t


def _health(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    return response.status_code, response.json()


def test_no_recent_heartbeat_reports_the_worker_down_without_hosts_or_ports(client, settings):
    settings.WORKER_HEARTBEAT_STALE_SECONDS = 180
    status, body = _health(client)
    assert status == 200 and body["status"] == "degraded" and body["components"]["worker"] == "down"
    assert set(body) == {"status", "components"}
    assert set(body["components"].values()) <= {"ok", "degraded", "down"}

    clock = Clock(timezone.now() - dt.timedelta(minutes=10))
    worker = Worker(jobs=[], owner="box-7.internal:4242:cafe", now=clock)
    worker.heartbeat()  # ten minutes ago: stale
    assert _health(client)[1]["components"]["worker"] == "down"

    clock.t = timezone.now()
    worker.heartbeat()
    status, body = _health(client)
    assert body["components"]["worker"] == "ok"
    assert "box-7" not in str(body) and "4242" not in str(body)


def test_heartbeats_are_written_every_thirty_seconds_at_most():
    clock = Clock(timezone.now())
    worker = Worker(jobs=[], owner="w1", now=clock)
    worker.heartbeat()
    first = WorkerHeartbeat.objects.get(owner="w1").beat_at
    clock.t += dt.timedelta(seconds=10)
    worker.heartbeat()
    assert WorkerHeartbeat.objects.get(owner="w1").beat_at == first
    clock.t += dt.timedelta(seconds=25)
    worker.heartbeat()
    assert WorkerHeartbeat.objects.get(owner="w1").beat_at == clock.t


def test_staff_status_shows_the_heartbeat_and_overdue_jobs(client, settings):
    settings.HARVEST_ENABLED = False
    client.force_login(make_user(username="ops", is_staff=True))
    data = client.get("/status?format=json").json()
    assert data["health"]["details"]["worker"]["last_beat"] is None
    digests = next(job for job in data["jobs"] if job["name"] == "digests")
    assert digests["overdue"] is False and digests["state"] == "pending"
    assert "worker" in client.get("/status").content.decode()
